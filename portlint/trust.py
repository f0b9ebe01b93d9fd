"""The trust boundary: a config inside the scanned tree may not load code on its own.

portlint runs in CI on pull requests, so whoever writes a PR writes the scanned tree, and a
``.portlint.toml`` in it could load any Python through ``rules-dir``. Code is loaded only when the
person running portlint asked for it: ``--rules-dir DIR`` on the command line, a config kept outside
the checkout (``--config FILE``), or ``--trust-config``.
"""

from __future__ import annotations

from pathlib import Path

from portlint.config import Config, ConfigError


def checkout_of(root: Path) -> Path:
    """The git work tree holding ``root`` (its nearest ancestor with ``.git``), else ``root`` itself."""
    start = root.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def in_tree(config_path: Path, root: Path) -> bool:
    """Is the config file part of what is scanned: inside the scan root or the checkout around it?"""
    path = config_path.resolve()
    return any(base == path.parent or base in path.parents for base in {root.resolve(), checkout_of(root)})


def is_untrusted(config: Config, root: Path) -> bool:
    """A config found by looking (in the scan root or any folder above it) belongs to the tree: a
    checkout without ``.git`` (an archive) has no visible boundary. Only a ``--config FILE`` outside
    the scan root and its checkout is the runner's own."""
    if config.path is None:
        return False
    return config.found_by != "--config" or in_tree(config.path, root)


def check_trust(config: Config, root: Path, cli_dirs: list[Path], trusted: bool) -> None:
    """Raise :class:`ConfigError` when rule code would come only from a config in the scanned tree."""
    if trusted or not config.rules_dirs or not is_untrusted(config, root):
        return
    allowed = {d.resolve() for d in cli_dirs}
    untrusted = [d for d in config.rules_dirs if d.resolve() not in allowed]
    if not untrusted:
        return
    names = ", ".join(str(d) for d in untrusted)
    raise ConfigError(
        f"{config.path}: rules-dir: this config is inside the scanned tree, and rules-dir would run the "
        f"Python code in {names}; portlint loads code only when you ask for it: pass --trust-config, "
        f"or --rules-dir DIR on the command line, or keep the config outside the checkout (--config FILE)")
