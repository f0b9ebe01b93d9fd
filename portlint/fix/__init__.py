"""``portlint fix``: repair a finding when exactly one side of it is wrong.

Rules attach a format-free :class:`~portlint.model.FixIntent` to a problem (which fact holds the
wrong value, the old and the right value, and why) with the helpers of :mod:`.intent`.
:mod:`.plan` decides which intents become edits (one edit per place, conflicts refused);
:mod:`.apply` reads each file safely, checks that the old value is still written at the fact's
exact place and replaces exactly those characters (:mod:`.edits_text`; Python through libcst in
:mod:`.edits_python`); :mod:`.diff` renders the preview. See docs/fix.md.
"""
