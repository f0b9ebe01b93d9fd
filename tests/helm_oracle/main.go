// helm_oracle renders a chart folder the way `helm template` does, with Go's own text/template
// and sprig, so the tests can hold portlint's Python renderer against the real thing.
//
// It reimplements the small part of Helm that rendering needs (chart loading, values coalescing,
// subcharts and globals, the built-in objects, include/tpl/required/lookup/toYaml/fromYaml) on
// top of Debian's packaged sprig and yaml.v2, so it builds offline without Helm's module graph.
//
// Usage: helm_oracle [-f values.yaml]... [-name NAME] [-namespace NS] CHART_DIR
//        helm_oracle -expr TEMPLATE_TEXT [-data JSON]   (one template, for function tests)
//
// Output: JSON {"templates": {"chart/templates/x.yaml": "rendered text", ...}, "error": "..."}.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"gopkg.in/yaml.v2"
)

// ---- sigs.k8s.io/yaml, as Helm uses it ------------------------------------------------------

// yamlToJSONable turns yaml.v2's map[interface{}]interface{} into JSON-able maps the way
// sigs.k8s.io/yaml does (int/float/bool keys become strings).
func yamlToJSONable(v interface{}) (interface{}, error) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, val := range t {
			var key string
			switch kk := k.(type) {
			case string:
				key = kk
			case int:
				key = strconv.Itoa(kk)
			case int64:
				key = strconv.FormatInt(kk, 10)
			case uint64:
				key = strconv.FormatUint(kk, 10)
			case float64:
				key = strconv.FormatFloat(kk, 'g', -1, 32)
				switch key {
				case "+Inf":
					key = ".inf"
				case "-Inf":
					key = "-.inf"
				case "NaN":
					key = ".nan"
				}
			case bool:
				if kk {
					key = "true"
				} else {
					key = "false"
				}
			default:
				return nil, fmt.Errorf("unsupported map key of type: %s, key: %+#v, value: %+#v", reflectType(k), k, val)
			}
			c, err := yamlToJSONable(val)
			if err != nil {
				return nil, err
			}
			out[key] = c
		}
		return out, nil
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, val := range t {
			c, err := yamlToJSONable(val)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

func reflectType(v interface{}) string { return fmt.Sprintf("%T", v) }

// sigsUnmarshal is sigs.k8s.io/yaml.Unmarshal into out (YAML -> JSON -> encoding/json).
func sigsUnmarshal(data []byte, out interface{}) error {
	var obj interface{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("error converting YAML to JSON: %v", err)
	}
	j, err := yamlToJSONable(obj)
	if err != nil {
		return fmt.Errorf("error converting YAML to JSON: %v", err)
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("error converting YAML to JSON: %v", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("error unmarshaling JSON: while decoding JSON: %v", err)
	}
	return nil
}

// sigsMarshal is sigs.k8s.io/yaml.Marshal (encoding/json, then yaml.v2 re-encodes).
func sigsMarshal(v interface{}) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("error marshaling into JSON: %v", err)
	}
	var obj interface{}
	if err := yaml.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	return yaml.Marshal(obj)
}

// ---- Helm's extra template functions -------------------------------------------------------

func toYAML(v interface{}) string {
	data, err := sigsMarshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := sigsUnmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := sigsUnmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := make(map[string]interface{})
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// ---- built-in objects ----------------------------------------------------------------------

type Metadata struct {
	Name         string
	Home         string
	Sources      []string
	Version      string
	Description  string
	Keywords     []string
	Icon         string
	APIVersion   string
	Condition    string
	Tags         string
	AppVersion   string
	Deprecated   bool
	Annotations  map[string]string
	KubeVersion  string
	Type         string
	Dependencies []map[string]interface{}
}

type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv *KubeVersion) String() string     { return kv.Version }
func (kv *KubeVersion) GitVersion() string { return kv.Version }

type VersionSet []string

// Has is true for a served group/version, and (as Helm's default set lists every built-in kind
// too) for "group/version/Kind" of a served group/version.
func (v VersionSet) Has(apiVersion string) bool {
	gv := apiVersion
	if i := strings.LastIndex(apiVersion, "/"); i > 0 {
		kind := apiVersion[i+1:]
		if kind != "" && kind[0] >= 'A' && kind[0] <= 'Z' {
			gv = apiVersion[:i]
		}
	}
	for _, x := range v {
		if x == apiVersion || x == gv {
			return true
		}
	}
	return false
}

type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion map[string]string
}

// DefaultAPIVersions is the version set `helm template` assumes without a cluster (abridged to
// the built-in groups; portlint's renderer, portlint/helm/builtins.py, uses the same list and
// the same Kubernetes version).
var DefaultAPIVersions = VersionSet{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apps/v1",
	"authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
	"events.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1",
	"node.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1",
	"storage.k8s.io/v1", "apiregistration.k8s.io/v1",
}

type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string     { return string(f[name]) }
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if ok, _ := filepath.Match(pattern, name); ok {
			out[name] = data
		} else if globstar(pattern, name) {
			out[name] = data
		}
	}
	return out
}
func (f Files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}
func (f Files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}
func (f Files) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = b64(v)
	}
	return toYAML(m)
}

func b64(v []byte) string { return base64.StdEncoding.EncodeToString(v) }

// globstar: a small `**` matcher (Helm uses gobwas/glob with '/' as separator).
func globstar(pattern, name string) bool {
	if !strings.Contains(pattern, "**") {
		return false
	}
	parts := strings.SplitN(pattern, "**", 2)
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	rest := strings.TrimPrefix(parts[1], "/")
	base := name[len(parts[0]):]
	for {
		if ok, _ := filepath.Match(rest, base); ok {
			return true
		}
		i := strings.Index(base, "/")
		if i < 0 {
			return false
		}
		base = base[i+1:]
	}
}

// ---- charts and values ---------------------------------------------------------------------

type Chart struct {
	Meta      Metadata
	Dir       string
	Values    map[string]interface{}
	Templates map[string]string // name relative to chart dir ("templates/x.yaml") -> text
	Files     Files
	Subcharts []*Chart
	Parent    *Chart
	Disabled  bool
	Raw       map[string][]byte // a packed chart's files (its subcharts among them)
}

// enabled evaluates the dependency's condition ("a.enabled,b.enabled": the first path that
// holds a bool decides) against the parent's values, as Helm does.
func enabled(parent, sub *Chart, vals map[string]interface{}) bool {
	for _, dep := range parent.Meta.Dependencies {
		name, _ := dep["name"].(string)
		alias, _ := dep["alias"].(string)
		if alias != sub.Meta.Name && (alias != "" || name != sub.Meta.Name) {
			continue
		}
		cond, _ := dep["condition"].(string)
		for _, p := range strings.Split(cond, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			var node interface{} = vals
			for _, part := range strings.Split(p, ".") {
				m, ok := node.(map[string]interface{})
				if !ok {
					node = nil
					break
				}
				node = m[part]
			}
			if b, ok := node.(bool); ok {
				return b
			}
		}
	}
	return true
}

func (c *Chart) fullPath() string {
	if c.Parent == nil {
		return c.Meta.Name
	}
	return c.Parent.fullPath() + "/charts/" + c.Meta.Name
}

// loadArchive reads a packed chart (charts/NAME-VERSION.tgz) as Helm's loader does: the members
// under the top folder, which is stripped; folders skipped; no absolute or parent paths.
func loadArchive(file string, parent *Chart) (*Chart, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		hd, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hd.FileInfo().IsDir() || hd.Typeflag == tar.TypeXGlobalHeader || hd.Typeflag == tar.TypeXHeader {
			continue
		}
		parts := strings.Split(hd.Name, "/")
		n := path.Clean(strings.Join(parts[1:], "/"))
		if path.IsAbs(n) || n == "." || strings.HasPrefix(n, "..") || parts[0] == "Chart.yaml" {
			return nil, fmt.Errorf("illegal member %q", hd.Name)
		}
		data, err := ioutil.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[n] = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	}
	return loadFiles(file, files, parent)
}

func loadChart(dir string, parent *Chart) (*Chart, error) {
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := ioutil.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	c, err := loadFiles(dir, files, parent)
	if err != nil {
		return nil, err
	}
	c.Raw = nil
	subs, _ := ioutil.ReadDir(filepath.Join(dir, "charts"))
	for _, s := range subs {
		var sc *Chart
		switch {
		case s.IsDir():
			sc, err = loadChart(filepath.Join(dir, "charts", s.Name()), c)
		case strings.HasSuffix(s.Name(), ".tgz"):
			sc, err = loadArchive(filepath.Join(dir, "charts", s.Name()), c)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		c.Subcharts = append(c.Subcharts, sc)
	}
	return c, aliases(c)
}

// loadFiles makes a chart of its files (path inside the chart -> content); the subcharts of a
// packed chart are among them (charts/x/... folders and charts/x.tgz archives).
func loadFiles(dir string, files map[string][]byte, parent *Chart) (*Chart, error) {
	c := &Chart{Dir: dir, Templates: map[string]string{}, Files: Files{}, Parent: parent, Raw: files}
	raw, ok := files["Chart.yaml"]
	if !ok {
		return nil, fmt.Errorf("%s: no Chart.yaml", dir)
	}
	var meta map[string]interface{}
	if err := sigsUnmarshal(raw, &meta); err != nil {
		return nil, err
	}
	metaJSON, _ := json.Marshal(meta)
	if err := json.Unmarshal(metaJSON, &c.Meta); err != nil {
		return nil, err
	}
	c.Values = map[string]interface{}{}
	if raw, err := ioutil.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if err := sigsUnmarshal(raw, &c.Values); err != nil {
			return nil, err
		}
		if c.Values == nil {
			c.Values = map[string]interface{}{}
		}
	}
	packedSubs := map[string]map[string][]byte{}
	for rel, data := range files {
		parts := strings.Split(rel, "/")
		switch {
		case parts[0] == "charts" && len(parts) == 2 && strings.HasSuffix(rel, ".tgz"):
			packedSubs[rel] = nil
		case parts[0] == "charts" && len(parts) > 2:
			if packedSubs["charts/"+parts[1]+"/"] == nil {
				packedSubs["charts/"+parts[1]+"/"] = map[string][]byte{}
			}
			packedSubs["charts/"+parts[1]+"/"][strings.Join(parts[2:], "/")] = data
		case parts[0] == "charts":
		case strings.HasPrefix(rel, "templates/"):
			c.Templates[rel] = string(data)
		case rel == "Chart.yaml" || rel == "values.yaml":
		default:
			c.Files[rel] = data
		}
	}
	names := make([]string, 0, len(packedSubs))
	for name := range packedSubs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var sc *Chart
		var err error
		if strings.HasSuffix(name, ".tgz") {
			tmp, terr := ioutil.TempFile("", "oracle-*.tgz")
			if terr != nil {
				return nil, terr
			}
			tmp.Write(files[name])
			tmp.Close()
			sc, err = loadArchive(tmp.Name(), c)
			os.Remove(tmp.Name())
		} else {
			sc, err = loadFiles(dir+"/"+name, packedSubs[name], c)
		}
		if err != nil {
			return nil, err
		}
		c.Subcharts = append(c.Subcharts, sc)
	}
	return c, aliases(c)
}

// aliases renames a subchart listed with an alias, and adds a copy per further alias.
func aliases(c *Chart) error {
	byName := map[string]*Chart{}
	for _, sc := range c.Subcharts {
		byName[sc.Meta.Name] = sc
	}
	// A dependency with an alias is that chart under another name (Helm renames it); the same
	// chart may be listed under several aliases.
	for _, dep := range c.Meta.Dependencies {
		name, _ := dep["name"].(string)
		alias, _ := dep["alias"].(string)
		if alias == "" || byName[name] == nil {
			continue
		}
		renamed := false
		for _, sc := range c.Subcharts {
			if sc.Meta.Name == name && !renamed {
				sc.Meta.Name = alias
				renamed = true
			}
		}
		if !renamed {
			var sc *Chart
			var err error
			if byName[name].Raw != nil {
				sc, err = loadFiles(byName[name].Dir, byName[name].Raw, c)
			} else {
				sc, err = loadChart(byName[name].Dir, c)
			}
			if err != nil {
				return err
			}
			sc.Meta.Name = alias
			c.Subcharts = append(c.Subcharts, sc)
		}
	}
	return nil
}

// coalesce merges src (higher priority) over dst (chart defaults) like Helm: nested maps merge,
// a null in src deletes the key.
func coalesce(dst, src map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range dst {
		out[k] = deepCopy(v)
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := out[k].(map[string]interface{})
		if sok && dok {
			out[k] = coalesce(dm, sm)
		} else {
			out[k] = deepCopy(v)
		}
	}
	// Helm drops nulls left in chart defaults too.
	for k, v := range out {
		if v == nil {
			delete(out, k)
		}
	}
	return out
}

func deepCopy(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// scopeValues computes each chart's .Values: the parent's section under the subchart's name
// overrides the subchart's defaults, and `global` flows down.
func scopeValues(c *Chart, overrides map[string]interface{}, global map[string]interface{}, out map[*Chart]map[string]interface{}) {
	vals := coalesce(c.Values, overrides)
	g := map[string]interface{}{}
	if cg, ok := vals["global"].(map[string]interface{}); ok {
		g = cg
	}
	g = coalesce(g, global)
	vals["global"] = g
	out[c] = vals
	for _, sc := range c.Subcharts {
		if !enabled(c, sc, vals) {
			sc.Disabled = true
			continue
		}
		sub := map[string]interface{}{}
		if m, ok := vals[sc.Meta.Name].(map[string]interface{}); ok {
			sub = m
		}
		scopeValues(sc, sub, g, out)
		// the parent sees the subchart's coalesced values under its name
		sv := deepCopy(out[sc]).(map[string]interface{})
		vals[sc.Meta.Name] = sv
	}
}

// ---- the engine ----------------------------------------------------------------------------

type renderer struct {
	root      *template.Template
	funcs     template.FuncMap
	recursion map[string]int
}

func newFuncs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	f["toToml"] = func(v interface{}) string { return "" }
	f["required"] = func(msg string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(msg)
		}
		if s, ok := val.(string); ok && s == "" {
			return val, errors.New(msg)
		}
		return val, nil
	}
	f["lookup"] = func(apiversion, resource, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	// placeholders, replaced per render (they need the template set)
	f["include"] = func(string, interface{}) (string, error) { return "", nil }
	f["tpl"] = func(string, interface{}) (string, error) { return "", nil }
	return f
}

func (r *renderer) install(t *template.Template) {
	r.funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf strings.Builder
		if r.recursion[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		r.recursion[name]++
		defer func() { r.recursion[name]-- }()
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	r.funcs["tpl"] = func(text string, vals interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		name := "tpl"
		if m, ok := vals.(map[string]interface{}); ok {
			if tm, ok := m["Template"].(map[string]interface{}); ok {
				if n, ok := tm["Name"].(string); ok {
					name = n
				}
			}
		}
		nt, err := clone.New(name).Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %v", text, err)
		}
		var buf strings.Builder
		if err := nt.Execute(&buf, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	t.Funcs(r.funcs)
}

func allCharts(c *Chart) []*Chart {
	if c.Disabled {
		return nil
	}
	out := []*Chart{c}
	for _, s := range c.Subcharts {
		out = append(out, allCharts(s)...)
	}
	return out
}

// helmOrder sorts template names as Helm's sortTemplates: deeper paths first, and at equal
// depth reverse name order; parsing in that order lets a parent's define win over a subchart's.
func helmOrder(names []string) {
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
}

func render(c *Chart, userVals map[string]interface{}, name, namespace string) (map[string]string, error) {
	scoped := map[*Chart]map[string]interface{}{}
	scopeValues(c, userVals, map[string]interface{}{}, scoped)
	r := &renderer{funcs: newFuncs(), recursion: map[string]int{}}
	t := template.New("gotpl").Option("missingkey=zero")
	r.install(t)
	type job struct {
		name  string
		chart *Chart
	}
	var jobs []job
	owner := map[string]*Chart{}
	texts := map[string]string{}
	var names []string
	for _, ch := range allCharts(c) {
		for n, text := range ch.Templates {
			full := ch.fullPath() + "/" + n
			owner[full] = ch
			texts[full] = text
			names = append(names, full)
		}
	}
	helmOrder(names)
	for _, full := range names {
		if _, err := t.New(full).Parse(texts[full]); err != nil {
			return nil, err
		}
		jobs = append(jobs, job{full, owner[full]})
	}
	caps := &Capabilities{
		APIVersions: DefaultAPIVersions,
		KubeVersion: KubeVersion{Version: "v1.30.0", Major: "1", Minor: "30"},
		HelmVersion: map[string]string{"Version": "v3.16.0"},
	}
	out := map[string]string{}
	for _, j := range jobs {
		base := path.Base(j.name)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(base, ".txt") && base == "NOTES.txt" {
			continue
		}
		meta := j.chart.Meta
		top := map[string]interface{}{
			"Values":       scoped[j.chart],
			"Chart":        &meta,
			"Capabilities": caps,
			"Files":        j.chart.Files,
			"Release": map[string]interface{}{
				"Name": name, "Namespace": namespace, "Service": "Helm",
				"IsInstall": true, "IsUpgrade": false, "Revision": 1,
			},
			"Template": map[string]interface{}{
				"Name": j.name, "BasePath": j.chart.fullPath() + "/templates",
			},
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, j.name, top); err != nil {
			return nil, err
		}
		out[j.name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// runExpr renders one template text with dot as data; a panic in a function is an error too.
func runExpr(text string, dot interface{}) (result map[string]interface{}) {
	result = map[string]interface{}{}
	defer func() {
		if p := recover(); p != nil {
			result["error"] = fmt.Sprint(p)
		}
	}()
	r := &renderer{funcs: newFuncs(), recursion: map[string]int{}}
	t := template.New("expr").Option("missingkey=zero")
	r.install(t)
	if _, err := t.Parse(text); err != nil {
		result["error"] = err.Error()
		return result
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, dot); err != nil {
		result["error"] = err.Error()
		return result
	}
	result["output"] = strings.ReplaceAll(buf.String(), "<no value>", "")
	return result
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var files multiFlag
	flag.Var(&files, "f", "values file (repeatable)")
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "namespace")
	expr := flag.String("expr", "", "render one template text instead of a chart")
	data := flag.String("data", "{}", "JSON data (dot) for -expr; numbers become float64 as in Helm values")
	batch := flag.Bool("batch", false, "read a JSON list of {template, data} on stdin, print a JSON list of results")
	flag.Parse()

	if *batch {
		var cases []struct {
			Template string      `json:"template"`
			Data     interface{} `json:"data"`
		}
		raw, _ := ioutil.ReadAll(os.Stdin)
		if err := json.Unmarshal(raw, &cases); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		results := make([]map[string]interface{}, len(cases))
		for i, c := range cases {
			results[i] = runExpr(c.Template, c.Data)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(results)
		return
	}

	result := map[string]interface{}{}
	emit := func() {
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(result)
	}
	if *expr != "" {
		var dot interface{}
		if err := json.Unmarshal([]byte(*data), &dot); err != nil {
			result["error"] = err.Error()
			emit()
			return
		}
		result = runExpr(*expr, dot)
		emit()
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helm_oracle [-f values.yaml]... CHART_DIR")
		os.Exit(2)
	}
	c, err := loadChart(flag.Arg(0), nil)
	if err != nil {
		result["error"] = err.Error()
		emit()
		return
	}
	user := map[string]interface{}{}
	for _, f := range files {
		raw, err := ioutil.ReadFile(f)
		if err != nil {
			result["error"] = err.Error()
			emit()
			return
		}
		v := map[string]interface{}{}
		if err := sigsUnmarshal(raw, &v); err != nil {
			result["error"] = err.Error()
			emit()
			return
		}
		user = coalesce(user, v)
	}
	out, err := render(c, user, *name, *namespace)
	if err != nil {
		result["error"] = err.Error()
	}
	result["templates"] = out
	emit()
}
