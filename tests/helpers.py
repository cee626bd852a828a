"""Shared helpers for the tests: load a claim, lower it, instantiate it at a concrete point."""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from symw2v.derivation.loader import load, loads
from symw2v.symbolic.lower import Scope
from symw2v.verify.checker import check_derivation, prepare
from symw2v.verify.concrete import Instance, instantiate

ROOT = Path(__file__).resolve().parent.parent
DERIVATIONS = ROOT / "derivations"


def claim_tensors(path: Path, claim_id: str):
    derivation = load(path)
    scope = Scope.of(derivation)
    claim = next(c for c in derivation.claims if c.id == claim_id)
    return derivation, scope, claim, *prepare(derivation, scope, claim)


def verdicts_of(text: str) -> dict[str, str]:
    derivation = loads(text, "<test>")
    return {r.claim: r.verdict for r in check_derivation(derivation)}


def numeric(e: sp.Expr, inst: Instance, values: dict[sp.Expr, sp.Expr]) -> sp.Float:
    return instantiate(e, inst).xreplace(values).evalf(40)


# Preambles of small derivation files: naive softmax, and negative sampling (format with assume=...).
NAIVE = """
convention = "rows"
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
w = "index[V]"
[define]
u_o = "U[o]"
yhat = "softmax(U @ v_c)"
y = "onehot(o, V)"
[loss]
J = "-log(yhat[o])"
"""

NEG = """
convention = "rows"
assume = [{assume}]
[symbols]
v_c = "vector[d]"
U = "matrix[V, d]"
o = "index[V]"
ws = "indices[K, V]"
s = "index[K]"
x = "scalar"
[define]
u_o = "U[o]"
[loss]
J = "-log(sigma(u_o @ v_c)) - sum(k, log(sigma(-U[ws[k]] @ v_c)))"
"""

# GloVe-like: the gradient by a row W[i], where i is also a declared index.
GLOVE = """
title = "GloVe-like"
[symbols]
W = "matrix[V, d]"
Wt = "matrix[V, d]"
L = "matrix[V, V]"
i = "index[V]"
[loss]
J = "sum(k, sum(n, (W[k] @ Wt[n] - L[k, n])**2))"
"""
