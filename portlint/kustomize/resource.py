"""One object of a kustomize build: its node tree and every name it had."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portlint.kustomize import nodes
from portlint.readers import _yaml


@dataclass
class Resource:
    node: Any
    names: list[str]  # every name it had, the current one last (patches may name any)

    @property
    def kind(self) -> str:
        return nodes.text(_yaml.get(self.node, "kind")) or ""

    @property
    def api_version(self) -> str:
        return nodes.text(_yaml.get(self.node, "apiVersion")) or ""

    @property
    def name(self) -> str:
        return nodes.text(_yaml.get_path(self.node, "metadata", "name")) or ""

    @property
    def namespace(self) -> str:
        return nodes.text(_yaml.get_path(self.node, "metadata", "namespace")) or ""
