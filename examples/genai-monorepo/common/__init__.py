"""Code shared by the mono-repo's Python services."""
