"""Run a scan: discover → read → link → rules → findings.

The engine is the only place that knows the order of the stages. It turns every failure of a
reader or a rule into a finding instead of a traceback.
"""

from __future__ import annotations

import gc
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from portlint.config import Config
from portlint import collector
from portlint.discover import Discovery, SourceFile, discover
from portlint.graph import PortGraph
from portlint.links import link_all
from portlint.model import Finding, Location, Problem, Related, Severity
from portlint.readers import ReadContext, ReadOutput
from portlint.reading import Progress, read_parts
from portlint.registry import DEFAULT_GROUP, Rule, load_rules, prefetch
from portlint.settings import nested_configs
from portlint.nested import ScopedConfig, closest, excluded, load_nested, same_policy
from portlint.suppressions import Suppression, parse_suppressions, today
from portlint.validate import check_rule_settings
from portlint import suppressions as _suppressions


@dataclass
class RuleContext:
    """What a rule's ``check`` receives: the graph, the config and its own options."""

    graph: PortGraph
    config: Config
    options: dict[str, Any]


@dataclass
class ScanResult:
    root: Path
    graph: PortGraph
    findings: list[Finding]
    rules: list[Rule]
    files_read: int
    files_seen: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    suppressed: list[tuple[Finding, Suppression]] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    active: list[Rule] = field(default_factory=list)
    nested_configs: list[str] = field(default_factory=list)  # config files in the tree besides the scan's
    scoped_configs: list = field(default_factory=list)  # the nested .portlint.toml applied (portlint.nested)
    graph_paths: frozenset[str] | None = None  # a result from the scan cache has no graph, only its paths
    from_cache: bool = False
    ports_read: int | None = None  # port facts the readers found (None: not known, an older cache)
    processes: int = 1  # processes that read (portlint.parallel)
    worker_mb: list[float] = field(default_factory=list)  # each reading child's PSS at its end, MB


@dataclass
class RuleSelection:
    """Which rules run, ruff-style.

    The base is the command line's ``--select`` if given, else the config's ``select``, else the
    ``consistency`` group. ``extend-select`` (command line and config) adds rules or groups;
    ``--ignore`` removes them. Without ``--select``, a rule's ``enabled`` in ``[rules]`` wins
    over the groups (``PL407 = true`` turns a hygiene rule on, ``PL107 = false`` turns one off).
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()

    def active(self, rule: Rule, config: Config) -> bool:
        def named(selectors) -> bool:
            return any(rule.matches(s) for s in selectors)

        if named(self.ignore):
            return False
        if self.select:
            return named(self.select) or named(self.extend_select)
        if named(self.extend_select):
            return True
        enabled = config.rule_setting(rule.id, rule.name).get("enabled")
        if enabled is not None:
            return bool(enabled)
        return named(config.extend_select) or named(config.select or (DEFAULT_GROUP,))




def scan(paths: list[Path], root: Path, config: Config, rules: list[Rule] | None = None,
         selection: RuleSelection | None = None, progress: Progress | None = None,
         read_cache=None, reuse: bool = False) -> ScanResult:
    """One run: discover, read (through ``read_cache``, a :class:`portlint.cache.ReadCache`, when
    given), link, check. With ``reuse`` (and a cache), an unchanged tree gives the findings of
    the last run without reading, linking or checking; that result has no graph
    (``graph is None``, ``graph_paths`` set)."""
    thresholds = collector.tune()
    try:
        return _scan(paths, root, config, rules, selection, progress, read_cache, reuse)
    finally:
        collector.age_survivors()
        gc.set_threshold(*thresholds)


def _scan(paths: list[Path], root: Path, config: Config, rules: list[Rule] | None,
          selection: RuleSelection | None, progress: Progress | None, read_cache, reuse: bool) -> ScanResult:
    started = time.perf_counter()
    report = progress or (lambda what, done, total: None)
    timings: dict[str, float] = {}
    rules = rules if rules is not None else load_rules(config.rules_dirs)
    selection = selection or RuleSelection()

    tick = time.perf_counter()
    report("discovering files", 0, 1)
    found = discover(paths, root, config, read_cache)  # it remembers .gitignore answers
    scoped = load_nested(found.files, config)
    if any(item.exclude for item in scoped):
        found = Discovery(found.root, [f for f in found.files if not excluded(scoped, f.rel)], found.skipped)
    timings["discover"] = time.perf_counter() - tick
    collector.age_survivors()

    whole = None
    if reuse and read_cache is not None and read_cache.usable:
        tick = time.perf_counter()
        whole = _scan_identity(read_cache, found, paths, root, config, rules, selection, scoped)
        cached = read_cache.load_scan(whole[1])
        timings["cache"] = time.perf_counter() - tick
        if cached is not None:
            read_cache.refresh_hashes(whole[0])
            return _from_cache(cached, root, rules, selection, config, timings, started)

    tick = time.perf_counter()
    ctx = ReadContext(root=root, config=config, read_cache=read_cache)
    checking = [r for r in rules if selection.active(r, config) and not r.engine]
    read = read_parts(found, ctx, timings, report, meanwhile=lambda: prefetch(checking))
    read_files = read.files
    checked = _checked_before(read_cache, whole)
    output = read.output() if checked is None else None
    timings["read"] = time.perf_counter() - tick
    collector.age_survivors()

    active = [r for r in rules if selection.active(r, config)]
    if checked is not None:  # the facts are those of the last run: so are the links and findings
        graph, findings, timings["link"], timings["rules"] = None, checked["findings"], 0.0, 0.0
    else:
        tick = time.perf_counter()
        report("linking", 0, 1)
        with collector.paused():
            graph = build_graph(output, config)
        timings["link"] = time.perf_counter() - tick

        tick = time.perf_counter()
        findings = run_rules([r for r in active if not r.engine], graph, config, report)
        if scoped:
            findings = _scoped_findings(findings, scoped, rules, selection, graph, config, report)
        timings["rules"] = time.perf_counter() - tick
    checked_now = findings

    tick = time.perf_counter()
    known = {r.id for r in rules} | {r.name for r in rules} | {"ALL"}
    comments = _CommentMemo(read_cache, whole, read.unmarked)
    findings, suppressed = apply_suppressions(findings, found, read_files, active, config, known, comments)
    timings["suppress"] = time.perf_counter() - tick
    result = ScanResult(root=root, graph=graph, findings=findings, rules=rules, files_read=len(read_files),  # type: ignore[arg-type]
                        files_seen=len(found.files), seconds=time.perf_counter() - started, timings=timings,
                        suppressed=suppressed, active=active, nested_configs=nested_configs(found.files, config),
                        scoped_configs=scoped, processes=ctx.processes, worker_mb=ctx.worker_mb)
    result.ports_read = len(graph.facts()) if graph is not None else (checked or {}).get("ports_read")
    if checked is not None:
        result.graph_paths = frozenset(checked["graph_paths"])
        result.from_cache = True
    if whole is not None:
        _keep_scan(read_cache, whole, result, found, checked_now, comments.fresh)
    return result


class _CommentMemo:
    """The suppression comments of each file, kept in the scan slot by the file's content hash:
    an edit run does not open every file again to look for them."""

    def __init__(self, read_cache, whole, unmarked: frozenset[str] = frozenset()) -> None:
        self.unmarked = unmarked  # read (maybe in a child) and found to hold no marker: not opened again
        self.cache = read_cache if whole is not None else None
        slot = getattr(read_cache, "_slot", None) if self.cache is not None else None
        kept = slot[2].get("comments") if slot is not None and isinstance(slot[2], dict) else None
        self.kept: dict = kept if isinstance(kept, dict) else {}
        self.fresh: dict = {}

    def __call__(self, file: SourceFile) -> list[Suppression]:
        if self.cache is None:
            return self._parsed(file)
        content = self.cache.hashes.of(file)
        entry = self.kept.get(file.rel)
        if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == content):
            entry = (content, self._parsed(file))
        self.fresh[file.rel] = entry
        return entry[1]

    def _parsed(self, file: SourceFile) -> list[Suppression]:
        return [] if file.rel in self.unmarked else parse_suppressions(file.rel, file.text())


def _checked_before(read_cache, whole: tuple[str, str, str] | None) -> dict | None:
    """The link and rule results of the last run when it started from the same facts (same
    reader outputs, scopes, settings, rules and code), or ``None``."""
    if whole is None or not read_cache.complete:
        return None
    slot = getattr(read_cache, "_slot", None)
    checked = slot[2].get("checked") if slot is not None and isinstance(slot[2], dict) else None
    if not isinstance(checked, dict) or checked.get("key") != _checked_key(read_cache, whole):
        return None
    return checked


def _checked_key(read_cache, whole: tuple[str, str, str]) -> str:
    from portlint.cache import digest

    return digest(f"{whole[2]}\0{read_cache.facts_key}".encode())


def _scan_identity(read_cache, found: Discovery, paths: list[Path], root: Path, config: Config,
                   rules: list[Rule], selection: RuleSelection, scoped: list) -> tuple[str, str, str]:
    """(setup, key, checking) of a whole scan: what was asked, what it was asked of, and what
    besides the facts decides the links and findings (settings, rules, code)."""
    from portlint.cache import config_fingerprint, rules_fingerprint, scan_key

    setup = repr((str(root), sorted(str(p) for p in paths), config_fingerprint(config),
                  [(r.id, str(r.source)) for r in rules], selection))
    read_cache.open_scan(setup)
    skipped = repr([(s.rel, s.reason, s.quiet) for s in found.skipped])
    nested = repr([(item.rel, item.folder, item.exclude, item.ignored, item.keys, config_fingerprint(item.config))
                   for item in scoped])
    checking = "\0".join((setup, rules_fingerprint(rules, read_cache), nested))
    extra = "\0".join((checking, today().isoformat(), skipped))
    return setup, scan_key(read_cache, found.files, extra), scan_key(read_cache, [], checking)


def _keep_scan(read_cache, whole: tuple[str, str, str], result: ScanResult, found: Discovery,
               checked: list[Finding], comments: dict) -> None:
    """Keep the findings (for an unchanged tree) and the findings before suppressions, keyed by
    the facts they came from (for a tree whose edits changed no fact)."""
    from portlint.report._paths import graph_paths

    paths = sorted(result.graph_paths if result.graph is None else graph_paths(result.graph))  # type: ignore[arg-type]
    stored = {"findings": result.findings, "suppressed": result.suppressed, "files_read": result.files_read,
              "files_seen": result.files_seen, "nested_configs": result.nested_configs,
              "scoped_configs": result.scoped_configs, "graph_paths": paths,
              "ports_read": result.ports_read,
              "checked": {"key": _checked_key(read_cache, whole), "findings": checked, "graph_paths": paths,
                          "ports_read": result.ports_read},
              "comments": comments}
    read_cache.store_scan(*whole[:2], stored, known=(os.path.abspath(f.path) for f in found.files))


def _from_cache(cached: dict, root: Path, rules: list[Rule], selection: RuleSelection, config: Config,
                timings: dict[str, float], started: float) -> ScanResult:
    return ScanResult(root=root, graph=None, findings=cached["findings"], rules=rules,  # type: ignore[arg-type]
                      files_read=cached["files_read"], files_seen=cached["files_seen"],
                      seconds=time.perf_counter() - started, timings=timings, suppressed=cached["suppressed"],
                      active=[r for r in rules if selection.active(r, config)],
                      nested_configs=cached["nested_configs"], scoped_configs=cached.get("scoped_configs", []),
                      graph_paths=frozenset(cached["graph_paths"]), ports_read=cached.get("ports_read"),
                      from_cache=True)


def _scoped_findings(findings: list[Finding], scoped: list[ScopedConfig], rules: list[Rule],
                     selection: RuleSelection, graph: PortGraph, config: Config,
                     report: Progress) -> list[Finding]:
    """The closest config wins for its files (:mod:`portlint.nested`): a finding is kept from the
    run under the config closest to its location; configs with the root's policy share its run."""
    runs: list[tuple[Config, list[Finding]]] = [(config, findings)]
    owner: dict[int, int] = {}
    for index, item in enumerate(scoped):
        if "rules" in item.keys:
            check_rule_settings(item.config, rules)  # a typo in a nested config is an error too
        same = next((i for i, (cfg, _) in enumerate(runs) if same_policy(cfg, item.config)), None)
        if same is None:
            active = [r for r in rules if selection.active(r, item.config) and not r.engine]
            runs.append((item.config, run_rules(active, graph, item.config, report)))
            same = len(runs) - 1
        owner[index] = same
    kept = []
    for run, (_, found) in enumerate(runs):
        for finding in found:
            item = closest(scoped, finding.location.path)
            if (owner[scoped.index(item)] if item is not None else 0) == run:
                kept.append(finding)
    return sorted(kept, key=Finding.sort_key)


# Sort keys of build_graph. A Location orders as its (path, line, column) and a Role as its value:
# comparing those directly is several times faster than through the dataclass and enum methods.
_BY_ID = attrgetter("id")
_FACT_ORDER = attrgetter("location.path", "location.line", "location.column", "owner.id", "role", "slot")
_SETTING_ORDER = attrgetter("location.path", "location.line", "location.column", "key")


def build_graph(output: ReadOutput, config: Config) -> PortGraph:
    graph = PortGraph(config)
    for entity in sorted(output.entities, key=_BY_ID):
        graph.add_entity(entity)
    graph.add_facts(sorted(output.facts, key=_FACT_ORDER))
    for setting in sorted(output.settings, key=_SETTING_ORDER):
        graph.add_setting(setting)
    graph.failures = list(output.failures)
    link_all(graph)
    return graph


def run_rules(rules: list[Rule], graph: PortGraph, config: Config, progress: Progress | None = None) -> list[Finding]:
    findings: set[Finding] = set()
    for step, rule in enumerate(rules):
        if progress:
            progress(f"checking {rule.id}", step, len(rules))
        settings = config.rule_setting(rule.id, rule.name)
        options = {**rule.defaults(), **{k: v for k, v in settings.items() if k not in ("enabled", "severity")}}
        severity = Severity(settings["severity"]) if "severity" in settings else None
        ctx = RuleContext(graph=graph, config=config, options=options)
        try:
            for problem in rule.check(ctx):
                findings.add(_finding(rule, with_definitions(problem, graph), severity))
        except Exception as exc:
            findings.add(_crash_finding(rule, exc))
    from portlint.kustomize.fold import name_overlays

    return fold_findings(name_overlays(_one_per_place(sorted(findings, key=Finding.sort_key)), graph), rules)


def fold_findings(findings: list[Finding], rules: list[Rule]) -> list[Finding]:
    """One root cause, one finding: a finding of a rule with ``FOLDS_INTO`` at the same place as a
    finding of one of those rules becomes a related location and an explain line of it."""
    folding = {r.id: r.folds_into for r in rules if r.folds_into}
    if not folding:
        return findings
    roots: dict[tuple[Location, str], Finding] = {}
    for finding in findings:
        if finding.rule_id not in folding:
            roots.setdefault((finding.location, finding.rule_id), finding)
    extra: dict[Finding, list[Finding]] = {}
    kept = []
    for finding in findings:
        root = next((roots[(finding.location, r)] for r in folding.get(finding.rule_id, ())
                     if (finding.location, r) in roots), None)
        if root is None:
            kept.append(finding)
        else:
            extra.setdefault(root, []).append(finding)
    out = []
    for finding in kept:
        folded = extra.get(finding)
        if folded:
            finding = replace(
                finding,
                related=(*finding.related, *(r for f in folded for r in f.related if r not in finding.related)),
                explain=(*finding.explain, *(f"same place, {f.rule_id} {f.rule_name}: {f.message}" for f in folded)))
        out.append(finding)
    return sorted(out, key=Finding.sort_key)


_NTH = re.compile(r"#\d+\b")


def _one_per_place(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, place and message: the environments of a Helm chart are rendered
    from the same template and values lines, and their copies of an object (``web``, ``web#2``)
    share one root cause."""
    kept: dict[tuple[str, Location, str], Finding] = {}
    for finding in findings:
        key = (finding.rule_id, finding.location, _NTH.sub("", finding.message))
        if key not in kept or len(_NTH.findall(finding.message)) < len(_NTH.findall(kept[key].message)):
            kept[key] = finding  # the copy named as written (``web``, not ``web#2``)
    return sorted(kept.values(), key=Finding.sort_key)


def with_definitions(problem: Problem, graph: PortGraph) -> Problem:
    """Add the definition sites of resolved values (Helm values.yaml, Terraform variables) that a
    finding rests on, so that it shows both the use and where the value was set.

    When the finding's own value was set in a values file (Helm), the finding is reported there,
    where it is fixed, and the template line becomes a related location."""
    places = [problem.location, *(r.location for r in problem.related)]
    known = set(places)
    extra: list[Related] = []
    for place in places:
        for fact in _facts_meant(graph, place, problem.message):
            for origin in fact.value.defined_at:
                if origin not in known:
                    known.add(origin)
                    extra.append(Related(origin, f"{fact.field} {fact.value.text} is defined here (used at {place.short})"))
    problem = replace(problem, related=(*problem.related, *extra)) if extra else problem
    return _at_definition(problem, graph)


def _facts_meant(graph: PortGraph, place: Location, message: str) -> list[Any]:
    """The facts at ``place`` a message is about: a template line in a ``range`` writes several."""
    facts = graph.facts_at(place)
    if len({f.value.text for f in facts}) <= 1:
        return facts
    named = [f for f in facts if re.search(rf"(?<![\w.]){re.escape(f.value.text)}(?![\w])", message)]
    return named or facts


def _at_definition(problem: Problem, graph: PortGraph) -> Problem:
    facts = _facts_meant(graph, problem.location, problem.message)
    origins = {f.value.defined_at[0] for f in facts if f.value.defined_at}
    if len(origins) != 1 or any(not f.value.defined_at for f in facts):
        return problem
    if not all("/templates/" in f"/{f.location.path}" for f in facts):
        return problem  # only a chart template's value moves to its values file
    (origin,) = origins
    fact = facts[0]
    used = Related(problem.location, f"{fact.field} {fact.value.text} is used here")
    related = tuple(r for r in problem.related if r.location != origin)
    return replace(problem, location=origin, related=(used, *related))


def _finding(rule: Rule, problem: Problem, configured: Severity | None) -> Finding:
    severity = configured or problem.severity or rule.severity
    return Finding(rule_id=rule.id, rule_name=rule.name, severity=severity, location=problem.location,
                   message=problem.message, related=problem.related, fix=problem.fix,
                   key=problem.key, explain=problem.explain, fix_intent=problem.fix_intent)


def apply_suppressions(findings: list[Finding], found: Discovery, read_files: set[str], active: list[Rule],
                       config: Config, known_rules: set[str],
                       comments_of: Callable[[SourceFile], list[Suppression]] | None = None,
                       ) -> tuple[list[Finding], list[tuple[Finding, Suppression]]]:
    """Drop suppressed findings; report unused (PL003) and invalid or expired (PL004) suppressions.
    ``comments_of(file)`` gives a file's suppression comments (default: parsed from its text)."""
    comments_of = comments_of or (lambda file: parse_suppressions(file.rel, file.text()))
    comments: list[Suppression] = []
    for file in found.files:
        if file.rel in read_files:
            try:
                comments.extend(comments_of(file))
            except Exception:  # undecodable files were reported by their reader already
                continue
    if not comments:
        return findings, []
    active_ids = {r.id for r in active if not r.engine} | {r.name for r in active if not r.engine}
    comments = [_check_rule_names(s, known_rules) for s in comments]
    outcome = _suppressions.apply(findings, comments, active_ids, today())
    engine_rules = {r.id: r for r in active if r.engine}
    extra: list[Finding] = []
    if "PL003" in engine_rules:
        extra += [_suppression_finding(engine_rules["PL003"], s, config,
                                       f"suppression of {', '.join(s.rules)} matches no finding on this line or the next",
                                       "remove the comment") for s in outcome.unused]
    if "PL004" in engine_rules:
        extra += [_suppression_finding(engine_rules["PL004"], s, config, f"suppression {s.problem}",
                                       "write: portlint: ignore[RULE] -- reason") for s in outcome.invalid]
        extra += [_suppression_finding(engine_rules["PL004"], s, config,
                                       f"suppression of {', '.join(s.rules)} expired on {s.until} and no longer applies",
                                       "fix the finding, or extend until= with a reason") for s in outcome.expired]
    return sorted([*outcome.kept, *extra], key=Finding.sort_key), outcome.suppressed


def _check_rule_names(suppression: Suppression, known: set[str]) -> Suppression:
    unknown = [r for r in suppression.rules if r not in known]
    if unknown and not suppression.problem:
        return replace(suppression, problem=f"names unknown rule {', '.join(unknown)} (see 'portlint rules')")
    return suppression


def _suppression_finding(rule: Rule, suppression: Suppression, config: Config, message: str, fix: str) -> Finding:
    settings = config.rule_setting(rule.id, rule.name)
    severity = Severity(settings["severity"]) if "severity" in settings else rule.severity
    return Finding(rule_id=rule.id, rule_name=rule.name, severity=severity, location=suppression.location,
                   message=message, fix=fix, key=f"{','.join(suppression.rules)}|{suppression.reason}")


def _crash_finding(rule: Rule, exc: Exception) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(frame.filename).name}:{frame.lineno})" if frame else ""
    return Finding(rule_id=rule.id, rule_name=rule.name, severity=Severity.ERROR, location=Location("."),
                   message=f"rule {rule.id} failed: {type(exc).__name__}: {exc}{where}; please report this",
                   key="crash")
