"""Every claim in derivations/ verifies, and the known-wrong variants of each closed form are
refuted (or, for a transpose under the rows convention, rejected as a convention error). Every file
has a columns-convention twin in derivations/columns/ (same claims, same steps, same verdicts, the
same values laid out as columns), whose known-wrong forms are rejected too."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symw2v.verify.budget import BudgetExceeded, budget
from symw2v.verify.checker import check_paths
from tests.helpers import DERIVATIONS, NAIVE, NEG, verdicts_of

# j_window_shared.toml's loss: M weighted slots sharing K samples (its [symbols]/[define]/[loss] only)
WINDOW = (DERIVATIONS / "j_window_shared.toml").read_text().split("[[claim]]")[0]


@pytest.fixture(scope="module")
def results():
    return check_paths([DERIVATIONS])


def test_every_claim_in_derivations_verifies(results):
    assert len(results) >= 25
    bad = [(r.file, r.claim, r.verdict, r.error) for r in results if r.verdict not in ("proved", "checked")]
    assert not bad


def test_the_gradients_of_b_to_d_and_g_to_i_are_proved_for_all_sizes(results):
    gradient_claims = [r for r in results if r.claim[0] in "bcdghi"]
    assert gradient_claims
    assert all(r.verdict == "proved" for r in gradient_claims), [
        (r.claim, r.verdict) for r in gradient_claims if r.verdict != "proved"
    ]


def claim(wrt: str, result: str, cid: str = "x", assume: str = "") -> str:
    extra = f"assume = [{assume}]\n" if assume else ""
    return f'[[claim]]\nid = "{cid}"\nwrt = "{wrt}"\nresult = "{result}"\n{extra}'


WRONG = [
    # (preamble, wrt, wrong result, claim assumptions, what is wrong)
    (NAIVE, "v_c", "U.T @ (y - yhat)", "", "sign flip"),
    (NAIVE, "v_c", "U.T @ yhat", "", "dropped term"),
    (NAIVE, "v_c", "-U.T @ y", "", "dropped the softmax term"),
    (NAIVE, "v_c", "2 * U.T @ (yhat - y)", "", "factor 2"),
    (NAIVE, "u_o", "(yhat[o] + 1) * v_c", "", "sign of the one-hot term"),
    (NAIVE, "U[w]", "(yhat[w] - 1) * v_c", '"w != o"', "wrong case"),
    (NAIVE, "U", "outer(y - yhat, v_c)", "", "sign flip"),
    (NAIVE, "U", "outer(yhat, v_c)", "", "dropped term"),
    # wrong only where w == o: the pattern where two free indices coincide must be drawn
    (NAIVE, "U[w]", "yhat[w] * v_c", "", "the w == o case dropped"),
    # equal where V == 1 (both sides v_c * (yhat[0] - 1) with yhat[0] == 1): never the only witness
    (NAIVE, "u_o", "(V * yhat[o] - 1) * v_c", "", "a size factor that is 1 at V = 1"),
    (NAIVE, "u_o", "(yhat[0] - 1) * v_c", "", "a constant index for a free one"),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c) - 1) * u_o + sum(k, sigma(-U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "sigma(x) for sigma(-x)",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c) - 1) * u_o - sum(k, sigma(U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "sign flip",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "v_c",
        "(sigma(u_o @ v_c - 1)) * u_o + sum(k, sigma(U[ws[k]] @ v_c) * U[ws[k]])",
        "",
        "-1 inside sigma",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "u_o",
        "(1 - sigma(u_o @ v_c)) * v_c",
        "",
        "sign",
    ),
    (
        NEG.format(assume='"distinct(ws)", "o not in ws"'),
        "U[ws[s]]",
        "sigma(-U[ws[s]] @ v_c) * v_c",
        "",
        "sigma(-x) for sigma(x)",
    ),
    # Samples shared by a window: they count once per pair of the window (n_pairs = ones(M) @ m).
    (WINDOW, "v_c", "U[ctx].T @ (m * (p_ctx - 1)) + U[ws].T @ p_ws", "", "shared samples counted once"),
    (WINDOW, "v_c", "U[ctx].T @ (p_ctx - 1) + n_pairs * (U[ws].T @ p_ws)", "", "slot weights dropped"),
    (WINDOW, "v_c", "U[ctx].T @ (m * (p_ctx - 1)) - n_pairs * (U[ws].T @ p_ws)", "", "sign of the sample term"),
    (WINDOW, "U[ws[r]]", "sum(k, [ws[k] == ws[r]]) * sigma(U[ws[r]] @ v_c) * v_c", '"ws[r] not in ctx"',
     "window's sample counted once"),
    (WINDOW, "U[ctx[s]]", "m[s] * (sigma(U[ctx[s]] @ v_c) - 1) * v_c", '"ctx[s] not in ws"',
     "a word in several slots counted once"),
    # Repeated samples: counting each sample once is wrong once repeats are allowed.
    (
        NEG.format(assume='"o not in ws"'),
        "U[ws[s]]",
        "sigma(U[ws[s]] @ v_c) * v_c",
        "",
        "repeat counted once",
    ),
]


@pytest.mark.parametrize("preamble,wrt,result,assume,what", WRONG, ids=[w[-1] for w in WRONG])
def test_wrong_variants_are_refuted(preamble, wrt, result, assume, what):
    assert verdicts_of(preamble + claim(wrt, result, assume=assume)) == {"x": "refuted"}


def test_the_same_variants_corrected_are_proved():
    text = NAIVE + claim("v_c", "U.T @ (yhat - y)", "a") + claim("U", "outer(yhat - y, v_c)", "b")
    assert verdicts_of(text) == {"a": "proved", "b": "proved"}


def test_column_convention_gradient_under_rows_is_refuted_as_a_transpose():
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + claim("U", "outer(v_c, yhat - y)"), "rows.toml"))
    assert result.verdict == "refuted" and result.error is None
    [step] = result.steps
    assert "shape d×V" in step.shown and step.diagnosis.startswith("transpose (row vs column convention)")


@pytest.mark.parametrize("wrong", ["outer(v_c, yhat)", "outer(v_c, y - yhat)", "outer(v_c, yhat - 2 * y)"])
def test_a_transposed_form_that_is_also_wrong_gets_no_transpose_diagnosis(wrong):
    """The diagnosis is offered only when the transposed form passes the full check."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + claim("U", wrong), "rows.toml"))
    assert result.verdict == "refuted"
    assert "transpose" not in (result.steps[0].diagnosis or "")


def test_equivalent_rewrites_are_not_flagged():
    text = (
        NAIVE
        + claim("U", "outer(yhat, v_c) - outer(y, v_c)", "outer")
        + '[[claim]]\nid = "sig"\nlhs = "sigma(v_c[0]) * (1 - sigma(v_c[0]))"\n'
        'result = "exp(-v_c[0]) / (1 + exp(-v_c[0]))**2"\n'
    )
    assert verdicts_of(text) == {"outer": "proved", "sig": "proved"}


def _all_claims(folder=DERIVATIONS, pattern="**/*.toml"):
    """(path relative to derivations/, claim id) of every claim, the columns twins included."""
    from symw2v.derivation.loader import load

    return [
        (str(p.relative_to(DERIVATIONS)), c.id) for p in sorted(folder.glob(pattern)) for c in load(p).claims
    ]


@settings(max_examples=15)  # each example unrolls a claim at a concrete shape and cancels exactly
@given(case=st.sampled_from(_all_claims()), level=st.sampled_from([1, 2, 3]), seed=st.integers(0, 10**6))
def test_every_claim_holds_exactly_at_random_concrete_shapes(case, level, seed):
    """Independently of the proof: both ends of every chain agree exactly (cancel after
    exp-substitution) at a random instance, repeated samples forced where allowed."""
    import random

    import sympy as sp

    from symw2v.verify.checker import instances_for
    from symw2v.verify.concrete import Instance, exactly_equal, instantiate
    from symw2v.verify.piecewise import piecewise_is_zero
    from tests.helpers import claim_tensors

    _, _, _, tensors, ctx = claim_tensors(DERIVATIONS / case[0], case[1])
    lhs, result = tensors[0], tensors[-1]
    both = lhs.at(ctx.components) + result.at(ctx.components)
    found = [i for i in instances_for(both, ctx) if max(i.sizes.values(), default=1) <= level + 2]
    inst = random.Random(seed).choice(found or instances_for(both, ctx)[:1])
    dims = [int(n.xreplace(inst.sizes)) for n in ctx.shape]
    rng = random.Random(seed)
    comp = {c: rng.randrange(n) for c, n in zip(ctx.components, dims, strict=True)}
    at = Instance(inst.sizes, {**inst.indices, **comp}, inst.lists)
    left = instantiate(lhs.at(ctx.components), at)
    right = instantiate(result.at(ctx.components), at)
    difference = sp.expand(left - right)
    assert exactly_equal(left, right) or piecewise_is_zero(difference), (case, at.describe())


def test_budget_fires_again_when_its_exception_is_swallowed():
    """Python swallows an exception raised while a gc callback runs; the budget must not then let the
    claim run unbounded."""
    start = time.monotonic()
    with budget(0.05):
        try:
            time.sleep(2)
        except BudgetExceeded:
            pass  # swallowed, as a gc callback would
        with pytest.raises(BudgetExceeded):
            time.sleep(2)
    assert time.monotonic() - start < 1


def test_a_sum_index_named_like_a_declared_index_is_an_error_with_position():
    """sum(s, ...) while s is the fixed sample would silently rebind s: refused, located."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    text = NEG.format(assume='"o not in ws"') + (
        '[[claim]]\nid = "x"\nwrt = "U[ws[s]]"\nresult = "sum(s, [ws[s] == ws[s]] * sigma(U[ws[s]] @ v_c)) * v_c"\n'
    )
    [result] = check_derivation(loads(text, "shadow.toml"))
    assert result.verdict == "malformed"
    assert "binds s, which is a declared index" in result.error and "shadow.toml" in result.error
    assert "column 5" in result.error


@pytest.mark.parametrize("lhs", ["[o > w] * y[o]", "(o - w) * y[o]", "o * (o - 1) * y[o]"])
def test_an_index_used_as_a_number_is_refused(lhs):
    """Instances stand for every index value only because indices are labels: `[o > w] * y[o] =
    0` was "checked" (every pattern drawn had o < w), so order and arithmetic on them are refused."""
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [result] = check_derivation(loads(NAIVE + f'[[claim]]\nid = "x"\nlhs = "{lhs}"\nresult = "0 * y[o]"\n'))
    assert result.verdict == "malformed" and "an index is a label, not a number" in result.error


# ---- the columns convention: derivations/columns/ holds a twin of every file ---------------------

COLUMNS = DERIVATIONS / "columns"
RANK = {"proved": 2, "checked": 1}


def _rows_files():
    return sorted(DERIVATIONS.glob("*.toml"))


def _rows_claims():
    return _all_claims(DERIVATIONS, "*.toml")


@pytest.mark.parametrize("rows_path", _rows_files(), ids=lambda p: p.name)
def test_every_file_has_a_columns_twin_with_the_same_claims_and_steps(rows_path):
    from symw2v.derivation.loader import load

    twin = COLUMNS / rows_path.name
    assert twin.is_file(), f"no columns twin of {rows_path.name}"
    rows, columns = load(rows_path), load(twin)
    assert columns.convention == "columns" and rows.convention == "rows"
    assert columns.title.endswith("(columns convention)") and columns.title.startswith(rows.title)
    assert [c.id for c in columns.claims] == [c.id for c in rows.claims]
    for r, c in zip(rows.claims, columns.claims, strict=True):
        assert len(c.chain) == len(r.chain), c.id
        assert (c.wrt is None) == (r.wrt is None), c.id
        if c.wrt is not None:  # the same loss: grad(J_skip_sm, ...)
            assert c.lhs.text.split(",")[0] == r.lhs.text.split(",")[0], c.id
    assert set(columns.symbols) == set(rows.symbols)


def test_no_columns_file_without_a_rows_twin():
    assert {p.name for p in COLUMNS.glob("*.toml")} == {p.name for p in _rows_files()}


def test_check_of_derivations_covers_both_conventions(results):
    files = {r.file for r in results}
    assert {str(p) for p in _rows_files()} | {str(COLUMNS / p.name) for p in _rows_files()} <= files


def test_every_columns_claim_verifies_as_well_as_its_rows_twin(results):
    """Proved where the rows claim is proved; checked (or better) where it is checked."""
    verdict = {(Path(r.file).parent.name, Path(r.file).name, r.claim): r.verdict for r in results}
    twins = _rows_claims()
    assert twins
    worse = [
        (name, cid, verdict[DERIVATIONS.name, name, cid], verdict.get((COLUMNS.name, name, cid)))
        for name, cid in twins
        if RANK.get(verdict.get((COLUMNS.name, name, cid)), 0) < RANK[verdict[DERIVATIONS.name, name, cid]]
    ]
    assert not worse


def _transposed(rows, columns) -> set[str]:
    """The matrices the columns twin declares in the other layout (U: V×d under rows, d×V here)."""
    return {
        name
        for name, decl in columns.symbols.items()
        if decl.kind == "matrix" and decl.sizes != decl.sizes[::-1] and rows.symbols[name].sizes == decl.sizes[::-1]
    }


def _columns_component(rows_comp: tuple, rows_shape: tuple, columns_shape: tuple) -> tuple:
    """Where the rows value's entry ``rows_comp`` lies in the columns value: a vector's entry i in
    row i of a column (or column i of a row), a matrix's entry (i, j) at (j, i) when transposed."""
    if columns_shape == rows_shape:
        return rows_comp
    if len(rows_shape) == 1 and columns_shape == (rows_shape[0], 1):
        return (rows_comp[0], 0)
    if len(rows_shape) == 1 and columns_shape == (1, rows_shape[0]):
        return (0, rows_comp[0])
    assert columns_shape == rows_shape[::-1], (rows_shape, columns_shape)
    return rows_comp[::-1]


@pytest.mark.parametrize("case", _rows_claims(), ids="{0[0]}:{0[1]}".format)
@settings(max_examples=3)  # per claim; each example unrolls every link of both chains at one instance
@given(pick=st.integers(0, 100), seed=st.integers(0, 10**6))
def test_columns_twin_has_the_rows_values_at_random_shapes(case, pick, seed):
    """Every expression of a columns chain (lhs, each step, result) equals the expression at the same
    position of its rows twin at a random instance and random real entries: a column gradient has the
    rows gradient's entries, a gradient by U (d×V) is the transpose of the rows one (V×d), and U's
    entries are the rows U's transposed."""
    import random

    import sympy as sp

    from symw2v.verify.concrete import instances, instantiate, variables
    from tests.helpers import claim_tensors

    name, cid = case
    rows, _, _, rows_chain, ctx = claim_tensors(DERIVATIONS / name, cid)
    columns, _, _, columns_chain, _ = claim_tensors(COLUMNS / name, cid)
    transposed = _transposed(rows, columns)
    found = instances(ctx.sizes, ctx.index_ranges, ctx.list_shapes, ctx.assumptions, seed=seed)
    # not the degenerate instance (every size 1): there a transposed layout could not show
    small = [i for i in found if not i.degenerate and max(i.sizes.values(), default=1) <= 5] or found[:1]
    inst = small[pick % len(small)]
    rng = random.Random(seed)
    values: dict[sp.Expr, sp.Float] = {}

    def value(entry: sp.Expr, flip: bool) -> sp.Float:  # the rows entry an entry of either side stands for
        if flip and isinstance(entry, sp.Indexed) and str(entry.base.label) in transposed:
            entry = entry.base[entry.indices[::-1]]
        return values.setdefault(entry, sp.Float(rng.uniform(-2, 2), 30))

    shape = [int(n.xreplace(inst.sizes)) for n in ctx.shape]
    comp = tuple(sp.Integer(rng.randrange(n)) for n in shape)
    for n, (r, c) in enumerate(zip(rows_chain, columns_chain, strict=True)):
        at = _columns_component(comp, r.shape, c.shape)
        left = instantiate(r.at(comp), inst)
        right = instantiate(c.at(tuple(sp.Integer(k) for k in at)), inst)
        a = left.xreplace({u: value(u, False) for u in variables(left)}).evalf(30)
        b = right.xreplace({u: value(u, True) for u in variables(right)}).evalf(30)
        assert a.is_Number and abs(a - b) <= sp.Float("1e-20") * max(1, abs(a)), (case, n, inst.describe(), comp, a, b)


# Known-wrong forms a columns-convention student writes: each is rejected.
COLUMNS_NAIVE = (COLUMNS / "c_grad_outside.toml").read_text().split("[[claim]]")[0]
COLUMNS_G1 = (COLUMNS / "g1_neg_sampling.toml").read_text().split("[[claim]]")[0]
COLUMNS_H = (COLUMNS / "h_repeated_samples.toml").read_text().split("[[claim]]")[0]
COLUMNS_WINDOW = (COLUMNS / "j_window_shared.toml").read_text().split("[[claim]]")[0]
ROW_FOR_COLUMN = "row vector where a column is expected (transpose)"
OTHER_LAYOUT = "transpose (row vs column convention)"

COLUMNS_WRONG = [
    # (preamble, wrt, wrong result, text the first step's diagnosis contains or None, what is wrong)
    (COLUMNS_NAIVE, "v_c", "(yhat - y).T @ U.T", ROW_FOR_COLUMN, "dJ/dv_c as a row"),
    (COLUMNS_NAIVE, "u_o", "(yhat[o] - 1) * v_c.T", ROW_FOR_COLUMN, "dJ/du_o as a row"),
    (COLUMNS_NAIVE, "U[:, w]", "(yhat[w] - y[w]) * v_c.T", ROW_FOR_COLUMN, "dJ/du_w as a row"),
    (COLUMNS_H, "U[:, ws[s]]", "sum(j, [ws[j] == ws[s]] * sigma(U[:, ws[j]].T @ v_c)) * v_c.T", ROW_FOR_COLUMN,
     "dJ/du_ws as a row"),
    (COLUMNS_NAIVE, "U", "(yhat - y) @ v_c.T", OTHER_LAYOUT, "the rows convention's dJ/dU (V×d)"),
    (COLUMNS_NAIVE, "U", "outer(yhat - y, v_c)", OTHER_LAYOUT, "the rows file's own dJ/dU"),
    (COLUMNS_NAIVE, "U", "v_c @ (y - yhat).T", None, "sign flip of dJ/dU"),
    (COLUMNS_NAIVE, "U", "v_c @ yhat.T", None, "dJ/dU without - y"),
    (COLUMNS_NAIVE, "v_c", "U @ (y - yhat)", None, "sign flip of dJ/dv_c"),
    (COLUMNS_NAIVE, "v_c", "U @ yhat", None, "dJ/dv_c without - y"),
    (COLUMNS_NAIVE, "u_o", "(yhat[o] + 1) * v_c", None, "sign of the one-hot term"),
    (COLUMNS_NAIVE, "u_o", "(yhat[0] - 1) * v_c", None, "a constant index for a free one"),
    (COLUMNS_G1, "v_c", "(sigma(u_o.T @ v_c) - 1) * u_o - sum(k, sigma(U[:, ws[k]].T @ v_c) * U[:, ws[k]])", None,
     "sign of the sample term"),
    (COLUMNS_G1, "U[:, ws[s]]", "sigma(-U[:, ws[s]].T @ v_c) * v_c", None, "sigma(-x) for sigma(x)"),
    (COLUMNS_H, "U[:, ws[s]]", "sigma(U[:, ws[s]].T @ v_c) * v_c", None, "repeat counted once"),
    (COLUMNS_WINDOW, "v_c", "U[:, ctx] @ (m * (p_ctx - 1)) + U[:, ws] @ p_ws", None, "shared samples counted once"),
]


@pytest.mark.parametrize("preamble,wrt,result,diagnosis,what", COLUMNS_WRONG, ids=[w[-1] for w in COLUMNS_WRONG])
def test_wrong_columns_forms_are_refuted(preamble, wrt, result, diagnosis, what):
    from symw2v.derivation.loader import loads
    from symw2v.verify.checker import check_derivation

    [found] = check_derivation(loads(preamble + claim(wrt, result), "columns.toml"))
    assert found.verdict == "refuted" and found.error is None, (found.verdict, found.error)
    [step] = found.steps
    if diagnosis:
        assert diagnosis in step.diagnosis, step.diagnosis
    else:
        assert "transpose" not in (step.diagnosis or "") and step.counterexample is not None


COLUMNS_SHAPE_ERRORS = [
    # (wrt, result, what the error says, the diagnosis when one edit repairs it)
    ("v_c", "u_o @ v_c", "two columns: u.T @ v is their scalar product", None),  # u_o v_c for u_o^T v_c
    ("v_c", "U.T @ (yhat - y)", "inner sizes d and V differ", "`U.T` should not be transposed"),  # rows' dJ/dv_c
    ("U", "v_c @ (yhat - y)", "inner sizes 1 and V differ", "`yhat - y` should be transposed"),  # .T forgotten
    ("v_c", "U @ yhat - U[o]", "the index o ranges over V, but the axis has size d", None),  # u_o as a row of U
]


def test_columns_shape_errors_are_malformed_or_refuted_by_the_edit_that_repairs_them(tmp_path):
    """Exit 2 with the located error; a step that one edit of the catalogue makes right is
    refuted instead, with that edit as its diagnosis (the error is what it shows)."""
    import json
    import subprocess
    import sys

    path = tmp_path / "columns.toml"
    path.write_text(COLUMNS_NAIVE + "".join(claim(w, r, f"e{n}") for n, (w, r, *_) in enumerate(COLUMNS_SHAPE_ERRORS)))
    command = [sys.executable, "-m", "symw2v.cli", "check", "--json", str(path)]
    out = subprocess.run(command, capture_output=True, text=True)
    assert out.returncode == 2, out.stdout + out.stderr
    records = {r["claim"]: r for r in json.loads(out.stdout)}
    for n, (_, _, message, repaired) in enumerate(COLUMNS_SHAPE_ERRORS):
        record = records[f"e{n}"]
        if repaired is None:
            assert record["verdict"] == "malformed"
            assert message in record["error"], record["error"]
        else:
            (step,) = record["steps"]
            assert record["verdict"] == step["verdict"] == "refuted"
            assert message in step["shown"] and repaired in step["diagnosis"], step


# per convention: U's declaration, the gathered sample vectors (K×d or d×K, times v_c: K scores), score 1
GATHERED = {
    "rows": ("V, d", "U[ws]", "v_c @ U[ws[1]]"),
    "columns": ("d, V", "U[:, ws].T", "v_c.T @ U[:, ws[1]]"),
}


@pytest.mark.parametrize("convention", list(GATHERED))
def test_a_value_gathered_by_its_component_is_checked_at_instances(convention):
    """sigma(-U[ws] @ v_c) is a K-vector whose entry k reads row ws[k]: the instances must substitute
    the list entry once the component k is known (it was never an instance, so proved claims of it
    came out undecided, and wrong ones too)."""
    declared, gathered, score_1 = GATHERED[convention]
    text = (
        f'convention = "{convention}"\n[symbols]\nv_c = "vector[d]"\nU = "matrix[{declared}]"\n'
        'ws = "indices[K, V]"\n'
        f'[[claim]]\nid = "right"\nlhs = "sigma(-{gathered} @ v_c)"\nresult = "1 - sigma({gathered} @ v_c)"\n'
        f'[[claim]]\nid = "wrong"\nlhs = "sigma(-{gathered} @ v_c)"\nresult = "sigma({gathered} @ v_c)"\n'
        f'[[claim]]\nid = "first"\nlhs = "sigma({gathered} @ v_c)"\nresult = "sigma({gathered} @ v_c)[0] * ones(K)"\n'
        # with a constant entry ws[1] too: an instance with K = 1 is left out, not judged
        f'[[claim]]\nid = "constant"\nlhs = "{gathered} @ v_c + ({gathered} @ v_c)[1] * ones(K)"\n'
        f'result = "ones(K) * ({score_1}) + {gathered} @ v_c"\n'
    )
    assert verdicts_of(text) == {"right": "proved", "wrong": "refuted", "first": "refuted", "constant": "proved"}


def test_the_kernel_generator_reads_only_the_rows_files(tmp_path):
    """The generated functions are printed from derivations/*.toml: the columns twins are checked by
    `symw2v check derivations/` but are not part of the kernels' key."""
    import shutil

    from symw2v.kernels import generate

    assert all((DERIVATIONS / name).is_file() and "/" not in name for name in generate.files_used())
    copy = tmp_path / "derivations"
    shutil.copytree(DERIVATIONS, copy)
    before = generate.key(copy)
    for path in (copy / "columns").glob("*.toml"):
        path.write_text(path.read_text() + "# edited\n")
    assert generate.key(copy) == before
    (copy / "b_grad_center.toml").write_text((copy / "b_grad_center.toml").read_text() + "# edited\n")
    assert generate.key(copy) != before


def test_latex_of_a_file_and_its_columns_twin_writes_both(tmp_path):
    """`symw2v latex derivations/` reaches derivations/columns/ too: a twin's document must not
    overwrite the rows one of the same name."""
    from symw2v.derive.export import export

    rows, columns = DERIVATIONS / "e_relu.toml", COLUMNS / "e_relu.toml"
    done = export([str(rows), str(columns)], tmp_path, 30, with_derive=False)
    assert sorted(p.name for p in done.files) == [
        "columns_e_relu.md", "columns_e_relu.tex", "e_relu.md", "e_relu.tex"
    ]
    assert "(columns convention)" in (tmp_path / "columns_e_relu.md").read_text()
    assert "(columns convention)" not in (tmp_path / "e_relu.md").read_text()
