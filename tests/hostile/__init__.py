"""Hostile input: a generator of trees (:mod:`hostile.cases`) and a measured run (:mod:`hostile.run`)."""
