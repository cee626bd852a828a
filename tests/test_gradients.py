"""The automatic gradient of every loss equals a numerical gradient (central differences at
40 digits) at random shapes and random points, repeated samples included."""

from __future__ import annotations

import random

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symw2v.symbolic.lower import Lowerer
from symw2v.verify.concrete import Instance, instances, instantiate, variables
from tests.helpers import DERIVATIONS, claim_tensors

# (file, claim whose left-hand side is grad(loss, wrt))
GRADIENTS = [
    ("b_grad_center.toml", "b"),
    ("c_grad_outside.toml", "c.o"),
    ("c_grad_outside.toml", "c.w"),
    ("d_grad_outside_matrix.toml", "d"),
    ("g1_neg_sampling.toml", "g.v_c"),
    ("g1_neg_sampling.toml", "g.u_ws"),
    ("h_repeated_samples.toml", "h"),
    ("i_skipgram.toml", "i.U"),
    ("i_skipgram.toml", "i.ns.v_c"),
]


def _loss_and_gradient(file: str, claim_id: str):
    derivation, scope, claim, tensors, ctx = claim_tensors(DERIVATIONS / file, claim_id)
    loss_name = claim.lhs.text[len("grad(") :].split(",")[0]
    loss = scope.names[loss_name]
    loss_value = Lowerer(scope).formula(loss.formula).scalar()
    grad = tensors[0]
    wrt = Lowerer(scope).formula(claim.wrt)
    return loss_value, grad, wrt, ctx


@given(
    case=st.sampled_from(GRADIENTS),
    pick=st.integers(0, 100),
    seed=st.integers(0, 10**6),
)
def test_automatic_gradient_matches_central_differences(case, pick, seed):
    loss, grad, wrt, ctx = _loss_and_gradient(*case)
    found = instances(ctx.sizes, ctx.index_ranges, ctx.list_shapes, ctx.assumptions, seed=seed)
    inst = found[pick % len(found)]  # degenerate, small, generic, and every coincidence pattern
    rng = random.Random(seed)
    comp = tuple(rng.randrange(int(n.xreplace(inst.sizes))) for n in grad.shape)
    at = Instance(
        inst.sizes, {**inst.indices, **dict(zip(ctx.components, comp, strict=True))}, inst.lists
    )
    explicit_loss = instantiate(loss, inst)
    values = {u: sp.Float(rng.uniform(-2, 2), 40) for u in variables(explicit_loss)}
    target = instantiate(wrt.target.element(ctx.components), at)
    values.setdefault(target, sp.Float(rng.uniform(-2, 2), 40))
    symbolic = instantiate(grad.at(ctx.components), at).xreplace(values).evalf(40)
    h = sp.Float("1e-12", 40)
    plus = explicit_loss.xreplace({**values, target: values[target] + h}).evalf(40)
    minus = explicit_loss.xreplace({**values, target: values[target] - h}).evalf(40)
    numerical = (plus - minus) / (2 * h)
    assert abs(symbolic - numerical) < 1e-15 * max(1, abs(numerical)), (inst.describe(), comp)
