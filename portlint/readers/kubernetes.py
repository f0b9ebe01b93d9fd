"""Kubernetes manifests (plain and Helm templates) → Services, workloads, containers, Ingresses.

A YAML document is Kubernetes only if it is a mapping with a string ``apiVersion`` and ``kind``;
files whose text mentions neither are never parsed, so compose files, app config, ``Chart.yaml``
and ``values.yaml`` are left to their own readers. The contract (entity kinds, fact fields,
attributes) is in ``docs/model.md`` and ``docs/model-kubernetes.md``.

Values are read as written: an unquoted decimal is a number; a quoted ``"8000"`` goes through
:meth:`PortValue.parse` and is the number 8000 too (rules compare what the port *is*; whether the
API server accepts a quoted ``containerPort`` is a schema question). A chart's templates are
rendered by :mod:`portlint.helm` (once per environment) and the rendered YAML is read, located
through the render's source map; templated YAML outside a chart is masked and its templates stay
unresolved (:mod:`portlint.readers._k8s_source`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from portlint import safe_io
from portlint.discover import SourceFile, UndecodableFile, infer_environment, relative
from portlint.model import Entity, EntityRef, Location, ParseFailure, PortFact, PortValue, Related, Role, Severity
from portlint.readers import ReadContext, ReadOutput, _k8s_routes, _yaml
from portlint.readers._k8s_args import named_ports
from portlint.readers._k8s_operators import GENERATED_SERVICES, generated_services
from portlint.readers._k8s_policy_tests import POLICY, POLICY_KINDS, drop_test_inputs
from portlint.readers._k8s_documents import compose
from portlint.readers._k8s_config_maps import config_map_volumes, container_config_maps, read_config_map
from portlint.readers._well_known import well_known
from portlint.scopes import KUSTOMIZATIONS
from portlint.readers._k8s_source import CORE_TAGS, MERGE_TAG, Source, Text, api_group, get, key_node_of, readable

if TYPE_CHECKING:  # the Helm engine and kustomize are imported when a file needs them
    from portlint.helm.render import ChartRenders
    from portlint.kustomize import builds

WEIGHT = 0.85  # CPU per byte, relative (measured on the bench tree): libyaml does the parsing
TRANSFER = 0.15  # results sent back from a reading process, per unit of reading (docs/model.md)
NAME = "kubernetes"
SUFFIXES = (".yaml", ".yml")
MAX_LIST_DEPTH = 4
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PROBE_TYPES = ("httpGet", "tcpSocket", "grpc")
CONTAINER_PORT_KEYS = frozenset({"containerPort", "hostPort", "hostIP", "name", "protocol"})
# kind → where its pod template is, and the API groups it is served from ("" = core)
WORKLOADS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "Pod": ((), frozenset({""})),
    "ReplicationController": (("spec", "template"), frozenset({""})),
    "Deployment": (("spec", "template"), frozenset({"apps", "extensions"})),
    "StatefulSet": (("spec", "template"), frozenset({"apps"})),
    "DaemonSet": (("spec", "template"), frozenset({"apps", "extensions"})),
    "ReplicaSet": (("spec", "template"), frozenset({"apps", "extensions"})),
    "Job": (("spec", "template"), frozenset({"batch"})),
    "CronJob": (("spec", "jobTemplate", "spec", "template"), frozenset({"batch"})),
    # CRDs that run pods from a template of their own (Argo Rollouts: argoproj.io/v1alpha1 Rollout)
    "Rollout": (("spec", "template"), frozenset({"argoproj.io"})),
}
SERVICE_GROUPS = frozenset({""})
INGRESS_GROUPS = frozenset({"networking.k8s.io", "extensions"})
ENDPOINT_SLICE_GROUPS = frozenset({"discovery.k8s.io"})
NETWORK_POLICY_GROUPS = frozenset({"networking.k8s.io", "extensions"})
SCRAPE_PORT = "prometheus.io/port"  # the pod annotation Prometheus' kubernetes_sd relabelling scrapes
# scalars with any other tag (``!!python/name:…``, ``!Ref``, ``!!binary``) are inert: never read


def wants(file: SourceFile, ctx: ReadContext) -> bool:
    """YAML files, and a chart's partials (``templates/_helpers.tpl``): rendering reads them, so they
    are inputs of this reader (the reader cache sees them change)."""
    return (file.suffix in SUFFIXES or (file.suffix == ".tpl" and "/templates/" in f"/{file.rel}")
            or file.name == "Kustomization")


def read(files: list[SourceFile], ctx: ReadContext) -> ReadOutput:
    out = ReadOutput()
    names = _Names()
    rendered = _kustomize_plan(files, ctx, out)
    for file in files:
        if rendered is None or file.rel not in rendered.managed:
            _read_file(file, ctx, out, names)
    if rendered is not None:
        _read_kustomize_renders(rendered, files, ctx, out, names)
    drop_test_inputs(out, NAME)
    charts = [ctx.cache[key] for key in sorted(ctx.cache) if key.startswith("helm:chart:")]
    note = _unrendered_note(charts) if charts else None  # the Helm engine is imported only for charts
    if note is not None:
        related = tuple(Related(where, text) for where, text in note.related)
        out.failures.append(ParseFailure(note.location, note.message, NAME, Severity.NOTE, related))
    return out


def _unrendered_note(charts: list):
    from portlint.helm.render import unrendered_note

    return unrendered_note(charts)


# -- kustomize builds (portlint.kustomize renders; this reads what it rendered) ----------------------


def _kustomize_plan(files: list[SourceFile], ctx: ReadContext, out: ReadOutput) -> builds.Plan | None:
    """The kustomize builds among ``files``; None when there is no kustomization (kustomize's
    ~50 ms of imports are paid only by trees that have one)."""
    found = {f.rel: f for f in files if f.name in KUSTOMIZATIONS}
    if not found:
        return None
    from portlint.kustomize import builds

    def starting(rel: str) -> None:  # the time budget watches the file being worked on
        try:
            found[rel].text()
        except (UndecodableFile, OSError):
            pass

    plan = builds.plan(sorted(found), ctx.root, ctx.scope_map.of,
                       lambda rel: infer_environment(rel, ctx.config.environments), starting,
                       ctx.config.max_file_size)
    for location, message in plan.notes:
        note = ParseFailure(location, message, NAME, Severity.NOTE)
        if note not in out.failures:
            out.failures.append(note)
    return plan


def _read_kustomize_renders(plan: builds.Plan, files: list[SourceFile], ctx: ReadContext, out: ReadOutput,
                            names: _Names) -> None:
    """Read each root's build, in the overlay's environment; tag what it gave with the root."""
    from portlint import kustomize

    by_rel = {f.rel: f for f in files}
    for render in plan.renders:
        file = by_rel.get(render.kustomization) or SourceFile(ctx.root / render.kustomization, render.kustomization, 0)
        source = Source.of_kustomize(file, render.environment)
        entities, facts = len(out.entities), len(out.facts)
        for resource in render.resources:
            _read_document(resource.node, source, out, names, depth=0)
        for item in [*out.entities[entities:], *out.facts[facts:]]:
            item.attrs[kustomize.ATTR] = render.kustomization


# -- files --------------------------------------------------------------------------------------


def _read_file(file: SourceFile, ctx: ReadContext, out: ReadOutput, names: _Names) -> None:
    chart = _chart_of(file, ctx, out)
    try:
        text = file.text()
    except (UndecodableFile, OSError) as exc:
        if chart is not None or _raw_looks_like_kubernetes(file):
            out.fail(Location(file.rel), str(exc), NAME)
        return
    if chart is not None:
        _read_chart_file(file, chart, out, names)
        return
    if file.suffix not in SUFFIXES:
        return  # a partial outside any chart
    if not looks_like_kubernetes(text) or _is_chart_values(file, ctx):
        return
    source = Source.plain(file, text)
    source.kustomize_namespace = ctx.scope_map.namespace_of(file.rel)
    documents, errors = _documents(source, ctx)
    for error in errors:
        error = _yaml.foreign_template(error, text, file.rel)
        out.failures.append(ParseFailure(Location(file.rel, error.line, error.column), error.message, NAME,
                                         Severity.NOTE if isinstance(error, _yaml.CutShort) else Severity.ERROR))
    budget = _yaml.NodeBudget(len(text)) if _yaml.may_alias(text) else None
    for document in documents:
        if budget is not None and not _within_budget(document, budget, source, out):
            if budget.left <= 0:
                break  # the file's budget is spent: one note, the rest is not read
            continue
        _read_document(document, source, out, names, depth=0)


def _is_chart_values(file: SourceFile, ctx: ReadContext) -> bool:
    """A values file of a chart (``values*.yaml``, ``values/``, ``ci/``): values, not manifests.

    The chart's renderer reads the ones it uses (and reports those it cannot read)."""
    parts = file.rel.split("/")
    if not (parts[-1].startswith("values") or "ci" in parts[:-1] or "values" in parts[:-1]):
        return False
    for parent in file.path.parents:
        if (parent / "Chart.yaml").is_file():
            return True
        if parent == ctx.root:
            return False
    return False


def looks_like_kubernetes(text: str) -> bool:
    """Cheap pre-check: a Kubernetes manifest names both ``apiVersion`` and ``kind``."""
    return "apiVersion" in text and "kind" in text


def _raw_looks_like_kubernetes(file: SourceFile) -> bool:
    try:
        data = safe_io.read_bytes(file.path, root=file.root, limit=file.limit)
    except OSError:
        return False
    return b"apiVersion" in data and b"kind" in data


def _documents(source: Source, ctx: ReadContext) -> tuple[list[Any], list[_yaml.YamlError]]:
    """The file's documents, reusing a plain parse another YAML reader already shared.

    Our own parses are not put in the scan-wide cache: holding every manifest's node tree alive
    until the end of the scan makes each garbage collection walk them all (3x slower reading
    on 1,000 manifests), and a file is rarely both a manifest and another reader's input.
    """
    shared = ctx.cache.get(f"yaml:{source.rel}") if source.masked is None else None
    if isinstance(shared, list):
        return shared, []
    return compose(source.yaml_text)


def _within_budget(document: Any, budget: _yaml.NodeBudget, source: Source, out: ReadOutput) -> bool:
    """An alias bomb (or a cyclic alias) is a failure; documents that together expand beyond the
    file's budget are skipped with a note; a big but honest document is read."""
    try:
        budget.spend(document)
    except _yaml.BudgetExceeded as exc:
        out.failures.append(ParseFailure(Location(source.rel, exc.line, exc.column), exc.message, NAME,
                                         Severity.NOTE))
        return False
    except _yaml.YamlError as exc:
        out.fail(source.locate(exc.line - 1, exc.column - 1), f"invalid YAML: {exc.message}", NAME)
        return False
    return True


def _chart_of(file: SourceFile, ctx: ReadContext, out: ReadOutput) -> ChartRenders | None:
    """The rendered Helm chart this file is a template of (rendered once per scan)."""
    if "templates" not in file.path.parts[:-1]:  # a template's parent chain holds ``templates/``
        return None  # (and the Helm engine's imports are paid only by trees with charts)
    from portlint.helm.chart import find_root
    from portlint.helm.render import render_chart

    directory = ctx.memo(f"helm:chart-dir:{file.path.parent}", lambda: find_root(file.path, ctx.root))
    if directory is None:
        return None

    def load() -> ChartRenders:
        extra = getattr(ctx.config, "helm_values", {}).get(directory.resolve())
        return render_chart(directory, ctx.root, ctx.config.environments, ctx.config.max_file_size,
                            extra_values=extra)

    renders = ctx.memo(f"helm:chart:{directory}", load)
    for problem in renders.problems:
        severity = Severity.NOTE if problem.note else Severity.ERROR
        related = tuple(Related(where, text) for where, text in problem.related)
        failure = ParseFailure(problem.location, problem.message, NAME, severity, related)
        if failure not in out.failures:
            out.failures.append(failure)
    return renders


def _read_chart_file(file: SourceFile, renders: ChartRenders, out: ReadOutput, names: _Names) -> None:
    """Read each environment's render of one chart template."""
    for render in renders.renders:
        rendered = render.files.get(file.rel)
        if rendered is None:
            continue
        environment = render.environment or file.environment
        for note in [*rendered.notes, *([rendered.failed] if rendered.failed else [])]:
            severity = Severity.ERROR if "template: " in note.message and note is rendered.failed else Severity.NOTE
            failure = ParseFailure(Location(render.rels.get(note.template, file.rel), note.line),
                                   note.message, NAME, severity)
            if failure not in out.failures:
                out.failures.append(failure)
        if rendered.failed is not None or not looks_like_kubernetes(rendered.text):
            continue  # a template that did not parse, or whose render was stopped, is not read
        source = Source.of_render(file, rendered, renders.info.rel, environment, render.rels)
        documents, errors = compose(rendered.text)
        for error in errors:
            where = source.locate(error.line - 1, error.column - 1)
            failure = ParseFailure(where, f"rendered template is {error.message}", NAME)
            if failure not in out.failures:
                out.failures.append(failure)
        budget = _yaml.NodeBudget(len(rendered.text)) if _yaml.may_alias(rendered.text) else None
        for document in documents:
            if budget is not None and not _within_budget(document, budget, source, out):
                if budget.left <= 0:
                    break
                continue
            _read_document(document, source, out, names, depth=0)


def template_name(text: str) -> str:
    """A templated name in one spelling, so ``{{- include "x.fullname" $ }}`` in an Ingress's
    ``range`` names the same Service as ``{{ include "x.fullname" . }}`` (``$`` is the root ``.``)."""
    def canonical(action: str) -> str:
        inner = action[2:-2].strip().removeprefix("-").removesuffix("-")
        tokens = ["." if token == "$" else token for token in inner.split()]
        return "{{ " + " ".join(tokens) + " }}"

    return _yaml.sub_templates(text, canonical)


def _get_path(node: Any, *keys: str) -> Any:
    for key in keys:
        node = get(node, key)
        if node is None:
            return None
    return node


def _quoted_number(node: Any) -> bool:
    """``"8080"``: a quoted all-digit scalar (a template's result is never counted as quoted)."""
    return (_yaml.is_scalar(node) and node.style in ("'", '"') and node.value.isascii()
            and node.value.isdigit())


def _is_null(node: Any) -> bool:
    return _yaml.is_scalar(node) and node.tag == _yaml.NULL_TAG


# -- documents ----------------------------------------------------------------------------------


class _Names:
    """Keeps entity ids unique: the second ``Deployment web`` of a scan becomes ``web#2``."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def unique(self, ref: EntityRef) -> EntityRef:
        count = self.seen.get(ref.id, 0) + 1
        self.seen[ref.id] = count
        if count == 1:
            return ref
        return self.unique(replace(ref, name=f"{ref.name}#{count}"))


@dataclass
class _Doc:
    """One Kubernetes object being read."""

    node: Any
    kind: str
    source: Source
    out: ReadOutput
    names: _Names

    def entity(self, kind: str, attrs: dict[str, Any]) -> Entity:
        metadata = get(self.node, "metadata")
        name_node = get(metadata, "name")
        name = self.source.string(name_node)
        namespace = self.source.namespace(get(metadata, "namespace"))
        written = (name.value if name.resolved else template_name(name.value)) if name is not None else ""
        ref = self.names.unique(EntityRef(kind=kind, name=written or "(unnamed)", namespace=namespace))
        own_labels, _ = self.source.labels(metadata, "labels")
        if name is not None and not name.resolved:
            attrs["name_unresolved"] = True
        if self.source.chart_rel is not None:
            attrs["chart"] = self.source.chart_rel
        entity = Entity(ref=ref, location=self.source.loc(name_node if name_node is not None else self.node),
                        environment=self.source.environment, labels=own_labels or {},
                        attrs={"name": written, **attrs})
        self.out.entities.append(entity)
        return entity

    def fact(self, owner: EntityRef, role: Role, node: Any, field_name: str, slot: str,
             protocol: str = "TCP", required: bool = False, **attrs: Any) -> PortFact | None:
        value = self.source.port(node)
        if value is None or (not value.text and value.defined_at == ()):
            missing = self.source.missing_key(node) if required or value is not None else None
            if missing is None:
                if value is None:
                    return None
            else:  # a required port left empty by a .Values key the values files do not set
                value = PortValue(text="")
                attrs["missing_values_key"] = missing
        if attrs.get("accepts_name") and _quoted_number(node):
            attrs["quoted_number"] = True  # an IntOrString written "8080" is a *name* to the API server
        fact = PortFact(value=value, role=role, owner=owner, location=self.source.loc(node),
                        protocol=protocol, environment=self.source.environment, slot=slot,
                        attrs={"field": field_name, **{k: v for k, v in attrs.items() if v is not None}})
        self.out.facts.append(fact)
        return fact

    def protocol(self, node: Any) -> tuple[str, bool]:
        """(protocol upper-cased, default TCP; resolved?)."""
        text = self.source.string(node)
        if text is None:
            return "TCP", True
        return (text.value.upper() if text.resolved else text.value), text.resolved


def _read_document(node: Any, source: Source, out: ReadOutput, names: _Names, depth: int) -> None:
    if not _yaml.is_mapping(node):
        return
    api, kind = _string_field(node, "apiVersion", source), _string_field(node, "kind", source)
    if api is None or kind is None or not kind.resolved:
        return
    items = get(node, "items")
    if kind.value.endswith("List") and _yaml.is_sequence(items):
        if depth < MAX_LIST_DEPTH:
            for item in _yaml.seq(items):
                _read_document(item, source, out, names, depth + 1)
        return
    if _is_hook(node, source):
        return
    doc = _Doc(node, kind.value, source, out, names)
    if kind.value in WORKLOADS and _served_by(api, WORKLOADS[kind.value][1]):
        _read_workload(doc)
    elif kind.value == "Service" and _served_by(api, SERVICE_GROUPS):
        _read_service(doc)
    elif kind.value == "Ingress" and _served_by(api, INGRESS_GROUPS):
        _read_ingress(doc)
    elif kind.value == "NetworkPolicy" and _served_by(api, NETWORK_POLICY_GROUPS):
        _read_network_policy(doc)
    elif kind.value in _k8s_routes.GATEWAY_ROUTES and _served_by(api, _k8s_routes.GATEWAY_GROUPS):
        _k8s_routes.read_gateway_route(doc)
    elif kind.value == "Gateway" and _served_by(api, _k8s_routes.GATEWAY_GROUPS):
        _k8s_routes.read_gateway(doc)
    elif kind.value == "VirtualService" and _served_by(api, _k8s_routes.ISTIO_GROUPS):
        _k8s_routes.read_virtual_service(doc)
    elif kind.value == "DestinationRule" and _served_by(api, _k8s_routes.ISTIO_GROUPS):
        _k8s_routes.read_destination_rule(doc)
    elif kind.value in _k8s_routes.MONITORS and _served_by(api, _k8s_routes.MONITORING_GROUPS):
        _k8s_routes.read_monitor(doc)
    elif kind.value == "ConfigMap" and _served_by(api, SERVICE_GROUPS):
        read_config_map(doc)
    elif api.resolved and (api_group(api.value), kind.value) in POLICY_KINDS:
        doc.entity(POLICY, {})
    elif api.resolved and (api_group(api.value), kind.value) in GENERATED_SERVICES:
        _read_operator_resource(doc, api_group(api.value))
    elif kind.value == "Endpoints" and _served_by(api, SERVICE_GROUPS):
        endpoints = doc.entity("k8s/Endpoints", {})
        endpoints.attrs["service_name"] = endpoints.attrs.get("name")  # Endpoints are named after their Service
    elif kind.value == "EndpointSlice" and _served_by(api, ENDPOINT_SLICE_GROUPS):
        labels, _ = doc.source.labels(get(doc.node, "metadata"), "labels")
        doc.entity("k8s/EndpointSlice", {"service_name": (labels or {}).get("kubernetes.io/service-name")})


def _read_operator_resource(doc: _Doc, group: str) -> None:
    """A custom resource an operator turns into Services: one ``k8s/GeneratedService`` per name."""
    metadata = get(doc.node, "metadata")
    name_node = get(metadata, "name")
    name = doc.source.string(name_node)
    if name is None or not name.resolved:
        return
    namespace = doc.source.namespace(get(metadata, "namespace"))
    for service in generated_services(group, doc.kind, name.value):
        ref = doc.names.unique(EntityRef(kind="k8s/GeneratedService", name=service, namespace=namespace))
        attrs = {"name": service, "generated_by": f"{doc.kind} {name.value}"}
        doc.out.entities.append(Entity(ref=ref, location=doc.source.loc(name_node), environment=doc.source.environment,
                                       attrs=attrs))


def _is_hook(node: Any, source: Source) -> bool:
    """A Helm hook (``helm.sh/hook``: a test, a pre-install Job) runs around the release, not in it."""
    hook = source.string(_get_path(node, "metadata", "annotations", "helm.sh/hook"))
    return hook is not None and bool(hook.value.strip())


def _string_field(node: Any, key: str, source: Source) -> Text | None:
    """``apiVersion``/``kind`` must be strings: ``apiVersion: 1`` or a list is not a manifest."""
    value = get(node, key)
    if not _yaml.is_scalar(value) or value.tag != _yaml.STR_TAG:
        return None
    return source.string(value)


def _served_by(api: Text, groups: frozenset[str]) -> bool:
    """A templated apiVersion is trusted; otherwise its group must serve the kind (not a CRD)."""
    if not api.resolved:
        return True
    return api_group(api.value) in groups


# -- workloads and containers -------------------------------------------------------------------


def _read_workload(doc: _Doc) -> None:
    template_path = WORKLOADS[doc.kind][0]
    template = _get_path(doc.node, *template_path) if template_path else doc.node
    pod_meta = get(template, "metadata")
    pod_labels, unresolved = doc.source.labels(pod_meta, "labels")
    attrs: dict[str, Any] = {"pod_labels": pod_labels or {}, "labels_unresolved": unresolved}
    labels_node = get(pod_meta, "labels")
    if labels_node is not None:
        attrs["pod_labels_location"] = doc.source.loc(labels_node)
    workload = doc.entity(f"k8s/{doc.kind}", attrs)
    scrape = get(get(pod_meta, "annotations"), SCRAPE_PORT)
    doc.fact(workload.ref, Role.TARGET, scrape, f"annotations.{SCRAPE_PORT}", "scrape", annotation=SCRAPE_PORT)
    spec = get(template, "spec")
    host_network = get(spec, "hostNetwork")
    if _yaml.is_scalar(host_network) and host_network.tag == _yaml.BOOL_TAG and host_network.value.lower() == "true":
        workload.attrs["host_network_location"] = doc.source.loc(host_network)  # its ports are the node's
    if get(spec, "nodeSelector") is not None or get(spec, "affinity") is not None:
        workload.attrs["node_selected"] = True  # runs on some nodes only: hostPort claims may not meet
    if doc.source.items_templated(spec, "containers"):
        workload.attrs["containers_unresolved"] = True
    volumes = config_map_volumes(doc.source, spec)
    for list_key in ("containers", "initContainers"):
        for index, container in enumerate(_yaml.seq(get(spec, list_key))):
            if _yaml.is_mapping(container):
                _read_container(doc, workload, container, list_key, index, volumes)


def _read_container(doc: _Doc, workload: Entity, node: Any, list_key: str, index: int,
                    volumes: dict[str, list[str]]) -> None:
    name = doc.source.string(get(node, "name"))
    container_name = name.value if name is not None else f"{list_key}[{index}]"
    restart = doc.source.string(get(node, "restartPolicy"))
    kind = "container" if list_key == "containers" else (
        "sidecar" if restart is not None and restart.value == "Always" else "init")
    ref = doc.names.unique(EntityRef(kind="k8s/Container", name=f"{workload.ref.name}/{container_name}",
                                     namespace=workload.ref.namespace, parent=workload.id))
    attrs: dict[str, Any] = {"container_name": container_name, "container_kind": kind}
    if doc.source.region_templated(node, "ports"):
        attrs["ports_unresolved"] = True
    named = _named_ports(doc, node)
    if named:
        attrs["named_ports"] = named
    config_maps = container_config_maps(doc.source, node, volumes)
    if config_maps:
        attrs["config_maps"] = config_maps
    doc.out.entities.append(Entity(ref=ref, location=doc.source.loc(node), environment=doc.source.environment,
                                   attrs=attrs))
    _read_container_ports(doc, ref, node)
    _read_probes(doc, ref, node)
    _read_env(doc, ref, node)


def _named_ports(doc: _Doc, node: Any) -> list[int]:
    """The port numbers the container's ``command``, ``args`` and ``env`` values name as its own
    (:mod:`portlint.readers._k8s_args`), and the default ports of a well-known image
    (:mod:`portlint.readers._well_known`): where it may listen without declaring it."""
    found: set[int] = set()
    image = doc.source.string(get(node, "image"))
    product = well_known(image.value) if image is not None and image.resolved else None
    if product is not None:
        found |= set(product.ports)
    values = [*_yaml.seq(get(node, "command")), *_yaml.seq(get(node, "args"))]
    values += [get(var, "value") for var in _yaml.seq(get(node, "env")) if _yaml.is_mapping(var)]
    for value in values:
        text = doc.source.string(value) if _yaml.is_scalar(value) else None
        if text is not None and text.resolved:
            found |= named_ports(text.value)
    return sorted(found)


def _read_container_ports(doc: _Doc, owner: EntityRef, node: Any) -> None:
    for index, port in enumerate(_yaml.seq(get(node, "ports"))):
        name_node = get(port, "name")
        name = doc.source.string(name_node)
        protocol, known = doc.protocol(get(port, "protocol"))
        slot = f"ports[{index}]"
        port_name = name.value if name is not None else None
        name_at = doc.source.loc(name_node) if name is not None and name.resolved else None
        for role, key in ((Role.LISTEN, "containerPort"), (Role.PUBLISH, "hostPort")):
            fact = doc.fact(owner, role, get(port, key), key, slot, protocol, required=role == Role.LISTEN,
                            port_name=port_name,
                            port_name_location=name_at if role is Role.LISTEN else None,
                            port_name_unresolved=(name is not None and not name.resolved) or None,
                            host_ip=_host_ip(doc, port) if role is Role.PUBLISH else None)
            _unresolve_when(fact, not known)
        _note_malformed_port(doc, owner, port, slot)


def _host_ip(doc: _Doc, port: Any) -> str:
    text = doc.source.string(get(port, "hostIP"))
    return text.value if text is not None else ""


def _note_malformed_port(doc: _Doc, owner: EntityRef, port: Any, slot: str) -> None:
    """A ``ports[]`` item without ``containerPort`` (or with keys a ContainerPort does not have) is
    recorded on the container as ``malformed_ports``: the API server rejects it, and no fact says so."""
    if not _yaml.is_mapping(port) or doc.source.region_templated(port, "containerPort"):
        if not _yaml.is_mapping(port) and _yaml.is_scalar(port) and not doc.source.templates(port):
            _malformed(doc, owner).append({"slot": slot, "location": doc.source.loc(port), "keys": [],
                                           "missing": True, "not_a_mapping": True})
        return
    keys = [k for k, _ in _yaml.items(port) if _yaml.is_scalar(k)]
    if any(doc.source.templates(k) for k in keys):
        return
    unknown = [k.value for k in keys if k.value not in CONTAINER_PORT_KEYS and k.tag != MERGE_TAG]
    missing = key_node_of(port, "containerPort") is None and not any(k.tag == MERGE_TAG for k in keys)
    if unknown or missing:
        _malformed(doc, owner).append({"slot": slot, "location": doc.source.loc(port), "keys": unknown,
                                       "missing": missing})


def _malformed(doc: _Doc, owner: EntityRef) -> list[dict[str, Any]]:
    container = next(e for e in reversed(doc.out.entities) if e.ref == owner)
    return container.attrs.setdefault("malformed_ports", [])


def _read_probes(doc: _Doc, owner: EntityRef, node: Any) -> None:
    for probe in PROBES:
        handler = get(node, probe)
        for probe_type in PROBE_TYPES:
            action = get(handler, probe_type)
            if not _yaml.is_mapping(action):
                continue
            doc.fact(owner, Role.PROBE, get(action, "port"), f"{probe}.{probe_type}.port", probe, required=True,
                     probe=probe.removesuffix("Probe"), probe_type=probe_type,
                     accepts_name=True if probe_type != "grpc" else None)


def _read_env(doc: _Doc, owner: EntityRef, node: Any) -> None:
    for index, var in enumerate(_yaml.seq(get(node, "env"))):
        name = doc.source.string(get(var, "name"))
        if name is None or not name.resolved or not _is_port_variable(name.value):
            continue
        value_node = get(var, "value")
        value = doc.source.port(value_node)
        if value is None or "://" in value.text:
            continue  # valueFrom, or a URL such as the legacy FOO_PORT=tcp://10.0.0.1:80
        if not value.text.strip() and doc.source.missing_key(value_node) is None:
            continue  # set empty: unset, no port stated (PortValue.parse_setting)
        fact = doc.fact(owner, Role.CONFIG, value_node, f"env.{name.value}", f"env[{index}]", env_var=name.value)
        _unresolve_when(fact, "$(" in value.text)
        if fact is not None and not fact.value.unresolved and fact.value.number is None:
            fact.value = PortValue.parse_setting(fact.value.text, fact.value.defined_at) or fact.value  # `:80`


def _is_port_variable(name: str) -> bool:
    upper = name.upper()
    return upper == "PORT" or upper.endswith("_PORT")


def _unresolve_when(fact: PortFact | None, condition: bool) -> None:
    """An unknown protocol or a ``$(VAR)`` reference makes the value unknowable: rules skip it."""
    if fact is not None and condition and not fact.value.unresolved:
        fact.value = PortValue.unresolved_expr(fact.value.text)


# -- Services -----------------------------------------------------------------------------------


def _read_service(doc: _Doc) -> None:
    spec = get(doc.node, "spec")
    selector, unresolved = doc.source.labels(spec, "selector")
    service_type = doc.source.string(get(spec, "type"))
    attrs: dict[str, Any] = {
        "selector": selector,
        "selector_unresolved": unresolved,
        "type": service_type.value if service_type is not None else "ClusterIP",
    }
    selector_node = get(spec, "selector")
    if selector_node is not None:
        attrs["selector_location"] = doc.source.loc(selector_node)
    if service_type is not None:
        attrs["type_location"] = doc.source.loc(get(spec, "type"))
    external = doc.source.string(get(spec, "externalName"))
    if external is not None:
        attrs["external_name"] = external.value
    service = doc.entity("k8s/Service", attrs)
    _k8s_routes.read_service_annotations(doc, service)
    for index, port in enumerate(_yaml.seq(get(spec, "ports"))):
        _read_service_port(doc, service.ref, port, f"ports[{index}]")


def _read_service_port(doc: _Doc, owner: EntityRef, node: Any, slot: str) -> None:
    name = doc.source.string(get(node, "name"))
    port_name = name.value if name is not None else None
    protocol, known = doc.protocol(get(node, "protocol"))
    port_node = get(node, "port")
    exposed = doc.fact(owner, Role.EXPOSE, port_node, "port", slot, protocol, required=True, port_name=port_name)
    _unresolve_when(exposed, not known)
    target_node = get(node, "targetPort")
    if target_node is not None and not _is_null(target_node):
        target = doc.fact(owner, Role.TARGET, target_node, "targetPort", slot, protocol,
                          port_name=port_name, accepts_name=True)
    else:  # omitted targetPort means the same as port: located at the port value
        target = doc.fact(owner, Role.TARGET, port_node, "targetPort", slot, protocol,
                          port_name=port_name, accepts_name=True, implicit=True)
    _unresolve_when(target, not known)
    node_port_node = get(node, "nodePort")
    if _yaml.is_scalar(node_port_node) and node_port_node.value.strip() == "0":
        return  # nodePort 0 is the API's "unset": Kubernetes allocates one (or none for ClusterIP)
    node_port = doc.fact(owner, Role.PUBLISH, node_port_node, "nodePort", slot, protocol,
                         port_name=port_name)
    _unresolve_when(node_port, not known)


# -- NetworkPolicies ----------------------------------------------------------------------------


def _read_network_policy(doc: _Doc) -> None:
    """``spec.podSelector.matchLabels`` is the ``selector`` (``matchExpressions`` make it unresolved);
    each ``ingress[i].ports[j].port`` / ``egress[i].ports[j].port`` is an ``allow`` fact."""
    spec = get(doc.node, "spec")
    pod_selector = get(spec, "podSelector")
    selector, unresolved = doc.source.labels(pod_selector, "matchLabels")
    expressions = get(pod_selector, "matchExpressions")
    if expressions is not None and not _is_null(expressions) and _yaml.seq(expressions):
        unresolved = True
    attrs: dict[str, Any] = {"selector": selector or {}, "selector_unresolved": unresolved or
                             doc.source.region_templated(spec, "podSelector")}
    if pod_selector is not None:
        attrs["selector_location"] = doc.source.loc(pod_selector)
    policy = doc.entity("k8s/NetworkPolicy", attrs)
    _k8s_routes.read_egress_peers(doc, policy, spec)
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(_yaml.seq(get(spec, direction))):
            peers = "from" if direction == "ingress" else "to"
            for j, port in enumerate(_yaml.seq(get(rule, "ports"))):
                protocol, known = doc.protocol(get(port, "protocol"))
                end_port = doc.source.port(get(port, "endPort"))
                fact = doc.fact(policy.ref, Role.ALLOW, get(port, "port"), f"{direction}.ports.port",
                                f"{direction}[{i}].ports[{j}]", protocol, direction=direction, accepts_name=True,
                                end_port=end_port.text if end_port is not None else None,
                                has_peers=bool(_yaml.seq(get(rule, peers))) or None, rule_index=i)
                _unresolve_when(fact, not known)


# -- Ingresses ----------------------------------------------------------------------------------


def _read_ingress(doc: _Doc) -> None:
    spec = get(doc.node, "spec")
    annotations = _get_path(doc.node, "metadata", "annotations")
    ingress_class = doc.source.string(get(spec, "ingressClassName")) or doc.source.string(
        get(annotations, "kubernetes.io/ingress.class"))
    ingress = doc.entity("k8s/Ingress", {"ingress_class": ingress_class.value if ingress_class else None,
                                         "backends": []})
    _k8s_routes.read_ingress_annotations(doc, ingress)
    default = get(spec, "defaultBackend") or get(spec, "backend")
    if default is not None:
        _read_backend(doc, ingress, default, "defaultBackend", None, None)
    for i, rule in enumerate(_yaml.seq(get(spec, "rules"))):
        host = doc.source.string(get(rule, "host"))
        for j, path in enumerate(_yaml.seq(_get_path(rule, "http", "paths"))):
            path_text = doc.source.string(get(path, "path"))
            _read_backend(doc, ingress, get(path, "backend"), f"rules[{i}].paths[{j}]",
                          host.value if host else None, path_text.value if path_text else None)


def _read_backend(doc: _Doc, ingress: Entity, node: Any, slot: str, host: str | None, path: str | None) -> None:
    service = get(node, "service")
    if _yaml.is_mapping(service):  # networking.k8s.io/v1
        name_node = get(service, "name")
        port = get(service, "port")
        number, named = get(port, "number"), get(port, "name")
        port_node, field_name = (number, "backend.service.port.number") if number is not None else (
            named, "backend.service.port.name")
        accepts_name = number is None
    elif get(node, "serviceName") is not None:  # extensions/v1beta1, networking.k8s.io/v1beta1
        name_node, port_node = get(node, "serviceName"), get(node, "servicePort")
        field_name, accepts_name = "backend.servicePort", True
    else:
        return  # a resource backend, or nothing
    name = doc.source.string(name_node)
    if name is None:
        return
    if not name.resolved:
        name = Text(template_name(name.value), resolved=False)
    port_value = doc.source.port(port_node)
    ingress.attrs["backends"].append({
        "service": name.value, "slot": slot, "location": doc.source.loc(name_node),
        "port": port_value.text if port_value is not None else None, "host": host, "path": path,
        "name_unresolved": not name.resolved,
    })
    fact = doc.fact(ingress.ref, Role.TARGET, port_node, field_name, slot, service=name.value, path=path, host=host,
                    accepts_name=accepts_name or None)
    if accepts_name:
        _k8s_routes.service_port_name(fact)  # a Service port name: a DNS label, up to 63 characters

