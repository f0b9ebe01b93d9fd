"""portlint: one port graph for a whole monorepo, and rules that check it."""

__version__ = "0.1.0"
