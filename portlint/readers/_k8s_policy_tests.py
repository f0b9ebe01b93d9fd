"""Objects that are test inputs of an admission policy, not deployed objects.

A Gatekeeper ``ConstraintTemplate`` or a Kyverno ``ClusterPolicy``/``Policy`` is often kept with
example objects it should allow or deny, in a ``tests/``, ``test/`` or ``testdata/`` folder beside
it (``gator verify`` and ``kyverno test`` read them). Those objects are never applied: an Ingress
there that names a missing Service is the point of the test. The reader drops what it read from
them and says so in one note per folder, so a clean result does not claim they were checked.
"""

from __future__ import annotations

import posixpath

from portlint.model import Location, ParseFailure, Severity

POLICY = "k8s/AdmissionPolicy"
# (API group, kind) of admission policies
POLICY_KINDS = frozenset({("templates.gatekeeper.sh", "ConstraintTemplate"), ("kyverno.io", "ClusterPolicy"),
                          ("kyverno.io", "Policy")})
TEST_FOLDERS = ("tests", "test", "testdata")


def drop_test_inputs(out, reader: str) -> None:
    """Remove the entities and facts read from the test folders beside a policy; one note each."""
    policies = sorted({e.location.path for e in out.entities if e.ref.kind == POLICY})
    folders = {posixpath.join(posixpath.dirname(path), name): path for path in policies for name in TEST_FOLDERS}
    if not folders:
        return

    def under(path: str) -> str | None:
        return next((f for f in folders if path.startswith(f + "/")), None)

    dropped: dict[str, set[str]] = {}
    for entity in out.entities:
        folder = under(entity.location.path)
        if folder is not None and entity.ref.kind != POLICY:
            dropped.setdefault(folder, set()).add(entity.location.path)
    if not dropped:
        return
    out.entities[:] = [e for e in out.entities if under(e.location.path) is None]
    out.facts[:] = [f for f in out.facts if under(f.location.path) is None]
    for folder, files in sorted(dropped.items()):
        out.failures.append(ParseFailure(
            Location(min(files)), f"{posixpath.basename(folder)}/ beside the admission policy "
                                  f"{posixpath.basename(folders[folder])} holds its test inputs ({len(files)} file(s)), "
                                  f"not deployed objects: not checked", reader, Severity.NOTE))
