"""The generated NumPy functions equal the automatic (SymPy) gradients of the derivations'
losses at random concrete shapes, repeated samples included; batches equal single examples;
inputs are never modified; the committed module is what the generator prints now; and the
generator refuses a claim that is not verified."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from symw2v import kernels
from symw2v.derivation.document import Formula
from symw2v.derivation.loader import load
from symw2v.kernels import generate
from symw2v.language.parser import parse
from symw2v.symbolic.lower import Lowerer, Scope
from symw2v.verify.concrete import Instance, instantiate
from tests.helpers import DERIVATIONS


class Auto:
    """The loss J of a derivation file and grad(J, X), evaluated at concrete numbers."""

    def __init__(self, file: str, loss: str = "J"):
        self.derivation = load(DERIVATIONS / file)
        self.scope = Scope.of(self.derivation)
        self.loss_name = loss
        self.cache: dict[str, tuple] = {}

    def tensor(self, text: str):
        """The lowered formula and fixed component symbols (so that gradients are cached)."""
        if text not in self.cache:
            t = Lowerer(self.scope).formula(Formula(text, parse(text), "test"))
            comps = tuple(sp.Dummy(f"c{n}", integer=True, nonnegative=True) for n in range(len(t.shape)))
            self.cache[text] = (t, comps, t.at(comps))
        return self.cache[text]

    def base(self, name: str):
        return self.scope.names[name].target.base

    def size(self, name: str):
        return sp.Symbol(name, integer=True, positive=True)

    def evaluate(self, text: str, sizes: dict, indices: dict, lists: dict, values: dict) -> np.ndarray:
        t, comps, component = self.tensor(text)
        sizes = {self.size(k): v for k, v in sizes.items()}
        idx = {sp.Symbol(k, integer=True, nonnegative=True): v for k, v in indices.items()}
        lst = {sp.IndexedBase(k, integer=True): tuple(v) for k, v in lists.items()}
        dims = [int(s.xreplace(sizes)) for s in t.shape]
        out = np.zeros(dims)
        subs = {}
        for name, arr in values.items():
            base = self.base(name)
            for pos in np.ndindex(arr.shape):
                subs[base[pos] if pos else base] = sp.Float(float(arr[pos]), 30)
        for pos in np.ndindex(*dims):
            inst = Instance(sizes, {**idx, **dict(zip(comps, pos, strict=True))}, lst)
            out[pos] = float(instantiate(component, inst).xreplace(subs).evalf(30))
        return out


NS = Auto("h_repeated_samples.toml")  # negative sampling, repeats allowed, o not in ws
SM = Auto("d_grad_outside_matrix.toml")  # naive softmax


@st.composite
def neg_problem(draw):
    V = draw(st.integers(2, 4))
    d = draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    B = draw(st.integers(1, 2))
    o = draw(st.lists(st.integers(0, V - 1), min_size=B, max_size=B))
    ws = []
    for b in range(B):
        others = [w for w in range(V) if w != o[b]]
        if draw(st.booleans()):  # force repeats
            ws.append([draw(st.sampled_from(others))] * K)
        else:
            ws.append(draw(st.lists(st.sampled_from(others), min_size=K, max_size=K)))
    seed = draw(st.integers(0, 2**32 - 1))
    return V, d, K, B, np.array(o), np.array(ws), np.random.default_rng(seed)


@given(neg_problem())
def test_neg_sampling_equals_automatic_gradient(problem):
    V, d, K, B, o, ws, rng = problem
    U = rng.uniform(-2, 2, (V, d))
    C = rng.uniform(-2, 2, (B, d))
    args = (C, U[o], U[ws])
    before = [a.copy() for a in args]
    loss, g_vc, g_uo, g_uneg = kernels.neg_sampling(*args)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)  # inputs unchanged
    assert loss.shape == (B,) and g_vc.shape == (B, d) and g_uo.shape == (B, d) and g_uneg.shape == (B, K, d)
    no_loss, g_vc_f, c_uo, c_uneg = kernels.neg_sampling_factored(*args, with_loss=False)
    assert no_loss is None and c_uo.shape == (B,) and c_uneg.shape == (B, K)
    np.testing.assert_array_equal(g_vc_f, g_vc)
    for b in range(B):
        where = ({"V": V, "d": d, "K": K}, {"o": int(o[b])}, {"ws": ws[b].tolist()}, {"U": U, "v_c": C[b]})
        np.testing.assert_allclose(loss[b], NS.evaluate("J", *where), rtol=1e-12)
        np.testing.assert_allclose(g_vc[b], NS.evaluate("grad(J, v_c)", *where), rtol=1e-10, atol=1e-12)
        G = np.zeros((V, d))  # the per-row gradients, scattered with every repeat counted
        kernels.scatter_rows(G, np.array([o[b]]), g_uo[b][None])
        kernels.scatter_rows(G, ws[b], g_uneg[b])
        np.testing.assert_allclose(G, NS.evaluate("grad(J, U)", *where), rtol=1e-10, atol=1e-12)
        F = np.zeros((V, d))  # the factored form, scattered without storing the rows
        kernels.scatter_scaled_rows(F, [o[b]], c_uo[b : b + 1], C, [b])
        kernels.scatter_scaled_rows(F, ws[b], c_uneg[b], C, np.full(K, b))
        np.testing.assert_allclose(F, G, rtol=1e-12, atol=1e-14)
        single = kernels.neg_sampling(C[b : b + 1], U[o[b : b + 1]], U[ws[b : b + 1]])
        for whole, one in zip((loss, g_vc, g_uo, g_uneg), single, strict=True):
            np.testing.assert_allclose(whole[b], one[0], rtol=1e-12, atol=1e-14)  # batched == per example


WS = Auto("j_window_shared.toml")  # a window of weighted slots sharing K samples, repeats allowed


@st.composite
def window_problem(draw):
    M = draw(st.integers(1, 3))
    V = M + draw(st.integers(1, 2))  # a word is always left to draw outside the window
    d = draw(st.integers(1, 2))
    K = draw(st.integers(1, 2))
    B = draw(st.integers(1, 2))
    ctx, ws = [], []
    for _ in range(B):
        c = draw(st.lists(st.integers(0, V - 1), min_size=M, max_size=M))  # a word may fill several slots
        others = [w for w in range(V) if w not in c]
        ws.append(draw(st.lists(st.sampled_from(others), min_size=K, max_size=K)))
        ctx.append(c)
    seed = draw(st.integers(0, 2**32 - 1))
    return V, d, M, K, B, np.array(ctx), np.array(ws), np.random.default_rng(seed)


@given(window_problem())
def test_shared_neg_sampling_equals_automatic_gradient(problem):
    """neg_sampling_shared against SymPy's gradient of j's loss (any real slot weights, repeated slot
    words and samples), and against the per-pair kernel: the window is the m-weighted sum of its pairs."""
    V, d, M, K, B, ctx, ws, rng = problem
    U, C = rng.uniform(-2, 2, (V, d)), rng.uniform(-2, 2, (B, d))
    m = rng.uniform(-1, 2, (B, M))
    args = (C, U[ctx], U[ws], m)
    before = [a.copy() for a in args]
    loss, g_vc, g_uctx, g_uneg = kernels.neg_sampling_shared(*args)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)  # inputs unchanged
    assert loss.shape == (B,) and g_vc.shape == (B, d) and g_uctx.shape == (B, M, d) and g_uneg.shape == (B, K, d)
    no_loss, g_vc_f, c_ctx, c_neg = kernels.neg_sampling_shared_factored(*args, with_loss=False)
    assert no_loss is None and c_ctx.shape == (B, M) and c_neg.shape == (B, K)
    np.testing.assert_array_equal(g_vc_f, g_vc)
    for b in range(B):
        where = ({"V": V, "d": d, "M": M, "K": K}, {}, {"ctx": ctx[b].tolist(), "ws": ws[b].tolist()},
                 {"U": U, "v_c": C[b], "m": m[b]})
        np.testing.assert_allclose(loss[b], WS.evaluate("J", *where), rtol=1e-12)
        np.testing.assert_allclose(g_vc[b], WS.evaluate("grad(J, v_c)", *where), rtol=1e-10, atol=1e-12)
        G = np.zeros((V, d))  # every slot row and every sample row, repeats counted
        kernels.scatter_rows(G, ctx[b], g_uctx[b])
        kernels.scatter_rows(G, ws[b], g_uneg[b])
        np.testing.assert_allclose(G, WS.evaluate("grad(J, U)", *where), rtol=1e-10, atol=1e-12)
        pairs = kernels.neg_sampling(np.repeat(C[b : b + 1], M, 0), U[ctx[b]], np.repeat(U[ws[b]][None], M, 0))
        np.testing.assert_allclose(loss[b], m[b] @ pairs[0], rtol=1e-12)
        np.testing.assert_allclose(g_vc[b], m[b] @ pairs[1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_uctx[b], m[b][:, None] * pairs[2], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_uneg[b], np.einsum("j,jkd->kd", m[b], pairs[3]), rtol=1e-10, atol=1e-12)


@given(
    B=st.integers(1, 40),
    M=st.integers(1, 11),
    d=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_fold_window_rows_sums_every_slot_onto_its_position(B, M, d, seed):
    rng = np.random.default_rng(seed)
    coef, X = rng.standard_normal((B, M)), rng.standard_normal((B, d))
    expect = np.zeros((B + M - 1, d))
    for b in range(B):
        for j in range(M):
            expect[b + j] += coef[b, j] * X[b]
    np.testing.assert_allclose(kernels.fold_window_rows(coef, X), expect, atol=1e-12)


@given(
    V=st.integers(2, 3),
    d=st.integers(1, 2),
    o=st.lists(st.integers(0, 2), min_size=1, max_size=2),
    seed=st.integers(0, 2**32 - 1),
)
def test_naive_softmax_equals_automatic_gradient(V, d, o, seed):
    rng = np.random.default_rng(seed)
    o = np.array(o) % V
    B = len(o)
    U = rng.uniform(-2, 2, (V, d))
    C = rng.uniform(-2, 2, (B, d))
    before = (C.copy(), o.copy(), U.copy())
    loss, g_vc, g_U = kernels.naive_softmax(C, o, U)
    for a, b in zip((C, o, U), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert loss.shape == (B,) and g_vc.shape == (B, d) and g_U.shape == (V, d)
    total = np.zeros((V, d))
    for b in range(B):
        where = ({"V": V, "d": d}, {"o": int(o[b])}, {}, {"U": U, "v_c": C[b]})
        np.testing.assert_allclose(loss[b], SM.evaluate("J", *where), rtol=1e-12)
        np.testing.assert_allclose(g_vc[b], SM.evaluate("grad(J, v_c)", *where), rtol=1e-10, atol=1e-12)
        total += SM.evaluate("grad(J, U)", *where)
        one = kernels.naive_softmax(C[b : b + 1], o[b : b + 1], U)
        np.testing.assert_allclose(one[0][0], loss[b], rtol=1e-12)
        np.testing.assert_allclose(one[1][0], g_vc[b], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g_U, total, rtol=1e-10, atol=1e-12)  # summed over the batch


def test_skipgram_window_is_the_sum_of_pairs():
    rng = np.random.default_rng(1)
    V, d, M, K = 6, 3, 4, 3
    U, C = rng.standard_normal((V, d)), rng.standard_normal((2, d))
    ctx = rng.integers(0, V, (2, M))
    loss, g_vc, g_U = kernels.skipgram_naive_softmax(C, ctx, U)
    pl, pg, pU = kernels.naive_softmax(np.repeat(C, M, 0), ctx.reshape(-1), U)
    np.testing.assert_allclose(loss, pl.reshape(2, M).sum(1))
    np.testing.assert_allclose(g_vc, pg.reshape(2, M, d).sum(1))
    np.testing.assert_allclose(g_U, pU)
    u_neg = U[rng.integers(0, V, (2, M, K))]
    out = kernels.skipgram_neg_sampling(C, U[ctx], u_neg)
    assert [x.shape for x in out] == [(2,), (2, d), (2, M, d), (2, M, K, d)]
    first = kernels.neg_sampling(C[:1].repeat(M, 0), U[ctx[0]], u_neg[0])
    np.testing.assert_allclose(out[0][0], first[0].sum())
    np.testing.assert_allclose(out[1][0], first[1].sum(0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    rng = np.random.default_rng(2)
    C, U = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((5, 4)).astype(dtype)
    assert all(x.dtype == dtype for x in kernels.naive_softmax(C, np.array([0, 4, 4]), U))
    u_neg = U[rng.integers(0, 5, (3, 2))]
    assert all(x.dtype == dtype for x in kernels.neg_sampling(C, U[[1, 2, 3]], u_neg))
    G = np.zeros((5, 4), dtype)
    kernels.scatter_rows(G, np.array([1, 1, 2]), np.ones((3, 4), dtype))
    assert G.dtype == dtype and G[1, 0] == 2 and G[2, 0] == 1


@given(
    V=st.integers(1, 30),
    idx=st.lists(st.integers(0, 29), min_size=0, max_size=60),
    seed=st.integers(0, 2**32 - 1),
)
def test_scatter_variants_count_repeats(V, idx, seed):
    idx = np.array(idx, dtype=np.intp) % V
    rows = np.random.default_rng(seed).standard_normal((len(idx), 3))
    expect = np.zeros((V, 3))
    for i, r in zip(idx, rows, strict=True):
        expect[i] += r
    for fn in (*kernels.scatter.VARIANTS.values(), kernels.scatter_rows):
        G = np.zeros((V, 3))
        fn(G, idx, rows)
        np.testing.assert_allclose(G, expect, atol=1e-12)


@pytest.mark.parametrize("n", [3, 300, 3000])  # both sides of scatter_rows' size switch (scatter.CSR_FROM)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_rows_counts_repeats_at_training_sizes(n, dtype):
    rng = np.random.default_rng(n)
    V, d = 7, 5  # n >> V: every index repeats many times
    idx = rng.integers(0, V, n)
    rows = rng.standard_normal((n, d)).astype(dtype)
    expect = np.zeros((V, d))
    np.add.at(expect, idx, rows.astype(np.float64))
    for fn in (*kernels.scatter.VARIANTS.values(), kernels.scatter_rows):
        G = np.zeros((V, d), dtype)
        fn(G, idx, rows)
        assert G.dtype == dtype
        np.testing.assert_allclose(G, expect, rtol=1e-4, atol=1e-3)
    G = np.zeros((d, V), dtype).T  # a non-contiguous G still gets every row
    kernels.scatter_rows(G, idx, rows)
    np.testing.assert_allclose(G, expect, rtol=1e-4, atol=1e-3)


@given(
    V=st.sampled_from([5, 40, 70_000]),  # 70,000 > 2**16: the sort falls back from uint16 radix to int64
    n=st.integers(0, 1500),  # both sides of scatter.CSR_FROM
    M=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
)
def test_scatter_scaled_rows_adds_every_scaled_row(V, n, M, seed):
    rng = np.random.default_rng(seed)
    idx, rows_of = rng.integers(0, V, n), rng.integers(0, M, n)
    coef, X = rng.standard_normal(n), rng.standard_normal((M, 3))
    expect = np.zeros((V, 3))
    for i, c, r in zip(idx, coef, rows_of, strict=True):
        expect[i] += c * X[r]
    G = np.zeros((V, 3))
    kernels.scatter_scaled_rows(G, idx, coef, X, rows_of)
    np.testing.assert_allclose(G, expect, atol=1e-12)
    with pytest.raises(ValueError, match="do not fit"):
        kernels.scatter_scaled_rows(G, idx, coef[:-1] if n else np.ones(1), X, rows_of)


def _copy_derivations(tmp_path):
    target = tmp_path / "derivations"
    shutil.copytree(DERIVATIONS, target)
    return target


def test_generator_refuses_a_refuted_claim(tmp_path):
    d = _copy_derivations(tmp_path)
    path = d / "b_grad_center.toml"
    text = path.read_text()
    path.write_text(text.replace('result = "U.T @ (yhat - y)"', 'result = "U.T @ (y - yhat)"'))
    with pytest.raises(generate.GenerationRefused, match=r"b_grad_center\.toml:b is refuted"):
        generate.generate(d)


def test_generator_does_not_apply_an_unproved_rewrite(tmp_path):
    d = _copy_derivations(tmp_path)
    path = d / "stability.toml"
    text = path.read_text()
    wrong = text.replace('result = "exp(x - m) / (ones(n) @ exp(x - m))"', 'result = "exp(x - m) / (ones(n) @ exp(x))"')
    assert wrong != text
    path.write_text(wrong)
    with pytest.raises(generate.GenerationRefused, match=r"softmax\.shift"):
        generate.generate(d)


def test_committed_module_is_current_and_a_stale_one_is_regenerated(tmp_path, monkeypatch):
    """One generation serves both: the committed file carries the current key, and its text is
    exactly what the generator prints now (here from a copy whose only change is a comment,
    so everything but the key line must agree); the changed copy is loaded from the cache."""
    assert generate.recorded_key(generate.GENERATED) == generate.key(), "run python -m symw2v.kernels.generate"
    d = _copy_derivations(tmp_path)
    (d / "a_cross_entropy.toml").write_text((d / "a_cross_entropy.toml").read_text() + "\n# changed\n")
    monkeypatch.setenv("SYMW2V_CACHE", str(tmp_path / "cache"))
    module = generate.load(d)
    assert str(tmp_path / "cache") in module.__file__
    fresh = generate.Path(module.__file__)
    assert generate.recorded_key(fresh) == generate.key(d) != generate.key()

    def body(path):
        return generate.KEY_RE.sub("", path.read_text(encoding="utf-8"))

    assert body(fresh) == body(generate.GENERATED), "run python -m symw2v.kernels.generate"


def test_the_key_covers_the_code_that_decides_verdicts(tmp_path, monkeypatch):
    copy = tmp_path / "symw2v"
    shutil.copytree(Path(generate.__file__).resolve().parent.parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(generate, "PACKAGE_DIR", copy / "kernels")
    before = generate.key()
    checker = copy / "verify" / "checker.py"
    checker.write_text(checker.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert generate.key() != before


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("B", [3, kernels.runtime.MATMUL_F64_UP_TO + 1])  # both sides of the float64 switch
def test_batched_matrix_vector_products_either_way(dtype, B):
    rng = np.random.default_rng(B)
    A, x, y = rng.standard_normal((B, 4, 3)).astype(dtype), rng.standard_normal((B, 3)).astype(dtype), \
        rng.standard_normal((B, 4)).astype(dtype)
    window_view = np.lib.stride_tricks.sliding_window_view(rng.standard_normal((B + 3, 3)).astype(dtype), 4, axis=0)
    for M in (A, np.moveaxis(window_view, 2, 1)):  # contiguous, and a strided view as training passes
        mv, vm = kernels.runtime.matvec(M, x), kernels.runtime.vecmat(y, M)
        assert mv.dtype == vm.dtype == dtype and mv.shape == (B, 4) and vm.shape == (B, 3)
        np.testing.assert_allclose(mv, [M[b] @ x[b] for b in range(B)], rtol=1e-5)
        np.testing.assert_allclose(vm, [y[b] @ M[b] for b in range(B)], rtol=1e-5)


def _printed(formula: str, env: dict):
    from symw2v.kernels.numpy_printer import NumPyPrinter, Val

    printer = NumPyPrinter({k: Val(k, *v) for k, v in env.items()})
    value = printer.value(parse(formula))
    return printer, value


def test_dead_temporaries_are_reused_and_live_ones_never():
    """reuse_dead writes an elementwise result into an operand temporary only where no later line
    reads it, never into a parameter, an output or a buffer shared with a view; and the code it
    prints computes the same numbers."""
    env = {"x": (1, True), "y": (1, True)}
    printer, v = _printed("exp(x * y - 1) / 2", env)
    lines = printer.reuse_dead([*printer.lines, f"out = {v.code}"])
    assert sum("out=" in line for line in lines) == 3  # -, exp, / each reuse the previous temporary
    assert not any("out=x" in line or "out=y" in line for line in lines)  # parameters are never written
    scope = {"np": np, "x": np.array([[1.0, 2.0]]), "y": np.array([[3.0, -1.0]])}
    exec("\n".join(lines), scope)  # the printed statements as the generated module runs them
    np.testing.assert_allclose(scope["out"], np.exp(scope["x"] * scope["y"] - 1) / 2)

    printer, v = _printed("exp(x * y) + x * y", env)  # x * y is read twice: its last reader may reuse it
    lines = printer.reuse_dead([*printer.lines, f"out = {v.code}"])
    first_reader = next(line for line in lines if "np.exp" in line or "exp(" in line)
    assert "out=" not in first_reader

    printer, v = _printed("exp(x * y)", env)  # an output named by an assignment is kept
    lines = printer.reuse_dead([*printer.lines, "kept = t1", f"out = {v.code}"])
    assert not any("out=t1" in line for line in lines)

    printer, v = _printed("exp(x)[i] * 2", {"x": (1, True), "i": (0, False, True)})  # t2 = t1[:, i] is a view
    lines = printer.reuse_dead([*printer.lines, f"out = {v.code}"])
    assert "[:, i]" in lines[1] and not any("out=" in line for line in lines)


def test_generated_module_reuses_buffers_in_naive_softmax():
    text = Path(kernels.GENERATED_FILE).read_text()
    body = text[text.index("def naive_softmax(") : text.index("def neg_sampling_factored(")]
    assert "np.exp(t5, out=t5)" in body and "rt.minus_onehot(t11, o, out=t11)" in body
