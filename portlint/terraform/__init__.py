"""Terraform as Terraform evaluates it.

- :mod:`.parse`: HCL text → positioned model (tree-sitter-hcl), errors with their positions;
  :mod:`.expressions`: expression nodes → :class:`~.model.Node`;
- :mod:`.model`: the model (nodes, bodies, blocks, what a module defines);
- :mod:`.evaluate` and :mod:`.functions`: expressions and built-in functions, bounded, on the
  values of :mod:`.values`;
- :mod:`.load`: files → modules, tfvars per environment; :mod:`.modules`: module calls;
- :mod:`.extract` with :mod:`.facts`: resources → entities and port facts, one module per
  resource family (:mod:`.load_balancing`, :mod:`.security_groups`, :mod:`.databases`, :mod:`.ecs`).

The reader :mod:`portlint.readers.terraform` is a thin adapter over this package.
"""
