"""Regenerating derivations from the losses: ``symw2v derive``.

:mod:`.vectorise` turns a normalised index-notation gradient back into a formula of our
language (matrix form where a known pattern is recognised, index form otherwise);
:mod:`.regenerate` picks the targets, writes skeleton derivation files and LaTeX.

Calling this package is :func:`symw2v.api.derive`: ``from symw2v import derive`` finds the
package whatever ``symw2v/__init__`` binds (importing a subpackage rebinds its name in the
parent), so the package itself is made callable.
"""

import sys
import types


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from ..api import derive

        return derive(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
