"""symw2v: a symbolic derivation verifier for word2vec.

Data flows through the sub-packages in this order:
``language`` (formula text -> syntax tree) -> ``derivation`` (TOML file -> declarations and
claims) -> ``symbolic`` (typed tensors in SymPy index notation, automatic gradients) ->
``verify`` (verdict per step: proved / checked / refuted / undecided) -> ``report``.
"""

__version__ = "0.1.0"
