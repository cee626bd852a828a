"""symw2v: a symbolic derivation verifier for word2vec.

Data flows through the sub-packages in this order:
``language`` (formula text -> syntax tree) -> ``derivation`` (TOML file -> declarations and
claims) -> ``symbolic`` (typed tensors in SymPy index notation, automatic gradients) ->
``verify`` (verdict per step: proved / checked / refuted / undecided) -> ``report``.

For notebooks, ``from symw2v import check, derive`` (:mod:`symw2v.api`; loaded on first use,
so that ``import symw2v`` stays light).
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "check":
        from .api import check

        return check
    if name == "derive":
        import importlib

        return importlib.import_module(".derive", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
