"""Regenerating derivations from the losses: ``symw2v derive``.

:mod:`.vectorise` turns a normalised index-notation gradient back into a formula of our
language (matrix form where a known pattern is recognised, index form otherwise);
:mod:`.regenerate` picks the targets, writes skeleton derivation files and LaTeX.
"""
