"""LaTeX export: every formula in derivations/ reads back to the same values (a lost transpose
or sign fails), mutated printers are caught, and the combined documents compile with pdflatex.

The reference is independent of the printer's structure: a small reader (below) parses the
LaTeX subset the printer emits back into our formula language, and both formulas are lowered
and evaluated at a concrete instance with random entries. Only the name table (how ``v_c``
is typeset) is shared with the printer.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import sympy as sp

from symw2v.derivation.document import Derivation, Formula
from symw2v.derivation.loader import load, loads
from symw2v.derive.export import compile_pdf, export, latex_engine
from symw2v.language.parser import parse
from symw2v.language.printer import to_text
from symw2v.report import latex as L
from symw2v.report.markdown import MarkdownReport
from symw2v.symbolic.lower import Lowerer, Scope
from symw2v.symbolic.tensor import Index, IndexList, Size, Tensor
from symw2v.verify.checker import check_derivation
from symw2v.verify.concrete import Instance, instantiate
from tests.helpers import GLOVE

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "derivations").glob("*.toml"))

# ---- a reader for the LaTeX subset the printer emits -----------------------------------------

TOKEN = re.compile(
    r"\\left\(|\\right\)|\\left\[|\\right\]|\\[A-Za-z]+|\\,|\\_|\\\{|\\\}|[0-9]+(?:\.[0-9]+)?|[A-Za-z]|[{}()^_+\-=,<>]"
)
FUNCTIONS = {r"\exp": "exp", r"\log": "log", r"\tanh": "tanh", r"\sigma": "sigma"}
OPERATORS = {"softmax": "softmax", "ReLU": "relu", "logaddexp": "logaddexp", "distinct": "distinct"}
COMPARE = {"=": "==", r"\neq": "!=", "<": "<", ">": ">", r"\leq": "<=", r"\geq": ">="}


class Item:
    """Read-back text with the reader's own idea of its rank (and whether it is a row)."""

    def __init__(self, text: str, rank: int, row: bool = False):
        self.text, self.rank, self.row = text, rank, row


class Reader:
    def __init__(self, derivation: Derivation):
        shapes = L.Shapes(derivation)
        self.names: dict[tuple[str, str | None], tuple[str, int]] = {}
        self.macros = {n for n, d in derivation.definitions.items() if d.params}
        self.lists: dict[str, str] = {}
        for name, decl in derivation.symbols.items():
            if decl.kind == "indices":
                self.lists[L.list_core(name)] = name
        for name in [*derivation.symbols, *derivation.definitions]:
            if name in derivation.symbols and derivation.symbols[name].kind == "indices":
                continue
            rank = len(shapes.of_name(name))
            s = L.symbol_for(name, rank)
            self.names[(s.core, s.sub)] = (name, rank)
        self.matrices = {n for n, d in derivation.symbols.items() if d.kind == "matrix"}

    def read(self, latex: str) -> str:
        self.toks = TOKEN.findall(latex)
        assert "".join(self.toks).replace(" ", "") == re.sub(r"\s", "", latex), f"untokenised: {latex}"
        self.pos = 0
        item = self.expr()
        assert self.pos == len(self.toks), f"trailing {self.toks[self.pos :]} in {latex}"
        return item.text

    # -- tokens
    def peek(self) -> str | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.toks[self.pos]
        assert expected is None or tok == expected, f"expected {expected}, got {tok} at {self.toks[self.pos :]}"
        self.pos += 1
        return tok

    def group_tokens(self) -> list[str]:
        self.take("{")
        depth, out = 1, []
        while True:
            tok = self.take()
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0:
                return out
            out.append(tok)

    def sub_reader(self, toks: list[str]) -> Reader:
        r = Reader.__new__(Reader)
        r.__dict__.update(self.__dict__)
        r.toks, r.pos = toks, 0
        return r

    def group_expr(self) -> Item:
        r = self.sub_reader(self.group_tokens())
        item = r.expr()
        assert r.pos == len(r.toks)
        return item

    # -- grammar
    def expr(self) -> Item:
        sign = ""
        if self.peek() == "-":
            self.take()
            sign = "-"
        first = self.term()
        text, rank = f"{sign}({first.text})", first.rank
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            text, rank = f"{text} {op} ({t.text})", max(rank, t.rank)
        return Item(text, rank)

    def starts_factor(self) -> bool:
        tok = self.peek()
        return (
            tok is not None
            and tok not in ("+", "-", "=", ",", "}", r"\right)", r"\right]", "<", ">")
            and (tok not in COMPARE)
        )

    def term(self) -> Item:
        left = self.factor()
        while True:
            tok = self.peek()
            if tok in (r"\,", r"\odot", r"\cdot"):
                self.take()
                right = self.factor()
                left = Item(f"({left.text}) * ({right.text})", max(left.rank, right.rank))
            elif self.starts_factor():
                left = self.juxtapose(left, self.factor())
            else:
                return left

    def juxtapose(self, a: Item, b: Item) -> Item:
        if a.rank == 0 or b.rank == 0:
            return Item(f"({a.text}) * ({b.text})", max(a.rank, b.rank))
        if a.rank == 1 and not a.row and b.rank == 1 and b.row:
            return Item(f"outer({a.text}, {b.text})", 2)
        return Item(f"({a.text}) @ ({b.text})", a.rank + b.rank - 2)

    def factor(self) -> Item:
        item = self.primary()
        while self.peek() in ("^", "_"):
            if self.take() == "^":
                if self.peek() == r"\top":
                    self.take()
                    item = Item(f"({item.text}).T", item.rank, row=item.rank == 1)
                else:
                    e = self.group_expr()
                    item = Item(f"({item.text})**({e.text})", item.rank)
            else:
                idx = self.subscript_items(self.group_tokens())
                gathers = sum(i.rank for i in idx)
                item = Item(f"({item.text})[{', '.join(i.text for i in idx)}]", item.rank - len(idx) + 2 * gathers)
        return item

    def subscript_items(self, toks: list[str]) -> list[Item]:
        parts, depth, cur = [], 0, []
        for t in toks:
            depth += t in ("{", r"\left(", r"\left[")
            depth -= t in ("}", r"\right)", r"\right]")
            if t == "," and depth == 0:
                parts.append(cur)
                cur = []
            else:
                cur.append(t)
        parts.append(cur)
        out = []
        for p in parts:
            if p[:1] == [r"\mathbf"] and "".join(p[2:-1]) in self.lists:
                out.append(Item(self.lists["".join(p[2:-1])], 1))
                continue
            r = self.sub_reader(p)
            out.append(r.expr())
            assert r.pos == len(p)
        return out

    def primary(self) -> Item:
        tok = self.take()
        if tok == "{":  # a power's base
            self.pos -= 1
            return self.group_expr()
        if tok == r"\left(":
            e = self.expr()
            self.take(r"\right)")
            return e
        if tok == r"\left[":
            a = self.expr()
            op = COMPARE[self.take()]
            b = self.expr()
            self.take(r"\right]")
            return Item(f"[{a.text} {op} {b.text}]", 0)
        if tok == r"\frac":
            num, den = self.group_tokens(), self.group_tokens()
            if num[:1] == [r"\partial"]:
                x = self.sub_reader(den[1:]).factor()
                if len(num) > 1:
                    f = self.sub_reader(num[1:]).factor()
                else:
                    self.take(r"\left(")
                    f = self.expr()
                    self.take(r"\right)")
                return Item(f"grad({f.text}, {x.text})", x.rank)
            a, b = self.sub_reader(num).expr(), self.sub_reader(den).expr()
            return Item(f"({a.text}) / ({b.text})", max(a.rank, b.rank))
        if tok == r"\sum":
            self.take("_")
            binder = self.group_tokens()
            if self.peek() == "^":
                self.take()
                upper = self.group_tokens()
                assert binder[1:] == ["=", "0"] and upper[-2:] == ["-", "1"], (binder, upper)
                body = self.term()
                return Item(f"sum({binder[0]} in {''.join(upper[:-2])}, {body.text})", body.rank)
            body = self.term()
            return Item(f"sum({binder[0]}, {body.text})", body.rank)
        if tok in FUNCTIONS or tok == r"\operatorname":
            name = FUNCTIONS.get(tok) or "".join(self.group_tokens())
            size = None
            if name == "onehot":
                self.take("_")
                size = "".join(self.group_tokens())
            self.take(r"\left(")
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(r"\right)")
            if size:
                return Item(f"onehot({args[0].text}, {size})", 1)
            rank = 1 if name == "softmax" else max(a.rank for a in args)
            return Item(f"{OPERATORS.get(name, name)}({', '.join(a.text for a in args)})", rank)
        if tok.isdigit() or re.fullmatch(r"[0-9.]+", tok):
            return Item(tok, 0)
        return self.symbol(tok)

    def symbol(self, tok: str) -> Item:
        bold = False
        if tok == r"\hat":
            inner = self.group_tokens()
            bold = inner[:1] == [r"\mathbf"]
            core = r"\hat{" + (inner[2] if bold else "".join(inner)) + "}"
        elif tok in (r"\mathbf", r"\boldsymbol"):
            bold = True
            core = "".join(self.group_tokens())
        elif tok == r"\mathrm":
            core = r"\mathrm{" + "".join(self.group_tokens()) + "}"
        else:
            core = tok
        if bold and core in ("1", "0"):
            self.take("_")
            size = "".join(self.group_tokens())
            return Item(f"{'ones' if core == '1' else 'zeros'}({size})", 1)
        sub = None
        if self.peek() == "_":
            self.take()
            sub_toks = self.group_tokens()
            sub = "".join(sub_toks)
            if (core, sub) in self.names:
                name, rank = self.names[(core, sub)]
                return self.call_or_name(name, rank)
            if (core, None) in self.names and self.names[(core, None)][1] > 0:
                name, rank = self.names[(core, None)]
                idx = self.subscript_items(sub_toks)
                gathers = sum(i.rank for i in idx)
                text = f"{name}[{', '.join(i.text for i in idx)}]"
                return Item(text, rank - len(idx) + 2 * gathers)
            if bold and core.upper() in self.matrices:
                idx = self.subscript_items(sub_toks)
                return Item(f"{core.upper()}[{idx[0].text}]", 1)
            if core in self.lists:
                idx = self.subscript_items(sub_toks)
                return Item(f"{self.lists[core]}[{idx[0].text}]", 0)
            raise AssertionError(f"unknown symbol {core}_{{{sub}}}")
        if (core, None) in self.names:
            return self.call_or_name(*self.names[(core, None)])
        return Item(core, 0)  # a summation index

    def call_or_name(self, name: str, rank: int) -> Item:
        if name in self.macros:  # a macro J_sm(o)
            self.take()
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.take(r"\right)")
            return Item(f"{name}({', '.join(a.text for a in args)})", 0)
        return Item(name, rank)


# ---- evaluating a formula at a concrete instance ------------------------------------------------


_VALUES: dict[tuple[str, str], list[float]] = {}


def values_of(derivation: Derivation, text: str) -> list[float]:
    key = (derivation.path, to_text(parse(text)))
    if key not in _VALUES:
        _VALUES[key] = _values_of(derivation, text)
    return _VALUES[key]


def _values_of(derivation: Derivation, text: str, rng_seed: int = 0) -> list[float]:
    scope = Scope.of(derivation)
    value = Lowerer(scope).formula(Formula(text, parse(text), "test"))
    assert isinstance(value, Tensor), text
    sizes = {v.symbol: 2 + n % 2 for n, v in enumerate(x for x in scope.names.values() if isinstance(x, Size))}
    indices = {v.value: n % 3 for n, v in enumerate(scope.names.values()) if isinstance(v, Index)}
    lists = {v.base: (0, 2, 0) for v in scope.names.values() if isinstance(v, IndexList)}
    inst = Instance(sizes, indices, lists)
    dims = [int(s.xreplace(sizes)) for s in value.shape]
    rng = random.Random(rng_seed)
    entries: dict[sp.Expr, sp.Expr] = {}
    out = []
    import itertools

    for comp in itertools.product(*[range(n) for n in dims]):
        if len(out) >= 4:  # a few components are enough to tell values apart
            break
        e = instantiate(value.at(tuple(sp.Integer(c) for c in comp)), inst)
        labels = {x.base.label for x in e.atoms(sp.Indexed)}
        for atom in sorted(e.atoms(sp.Indexed, sp.Symbol) - labels, key=str):
            if atom not in entries:
                entries[atom] = sp.Rational(rng.randint(-9, 9), 7)
        out.append(float(e.xreplace(entries).evalf(20)))
    return out


def formulas(derivation: Derivation):
    for d in derivation.definitions.values():
        if not d.params:
            yield d.name, d.formula.text
    for claim in derivation.claims:
        for f in claim.chain:
            yield claim.id, f.text


def reads_back(derivation: Derivation, text: str) -> tuple[bool, str]:
    latex = L.FormulaLatex(derivation).latex(parse(text))
    try:
        back = Reader(derivation).read(latex)
        same = values_of(derivation, text) == pytest.approx(values_of(derivation, back), rel=1e-9, abs=1e-12)
    except Exception as err:  # a shape error or an unreadable output counts as a loss
        return False, f"{latex}\n  -> {type(err).__name__}: {err}"
    return same, f"{latex}\n  -> {back}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_formula_reads_back_to_the_same_values(path: Path):
    derivation = load(path)
    for where, text in formulas(derivation):
        ok, detail = reads_back(derivation, text)
        assert ok, f"{path.name} {where}: {text}\n{detail}"


def test_notation_is_the_write_ups():
    d = load(ROOT / "derivations" / "b_grad_center.toml")
    p = L.FormulaLatex(d)
    assert p.latex(parse("U.T @ (yhat - y)")) == r"\mathbf{U}^\top \left(\hat{\mathbf{y}} - \mathbf{y}\right)"
    assert p.latex(parse("exp(U[w] @ v_c)")) == r"\exp\left(\mathbf{u}_{w}^\top \mathbf{v}_{c}\right)"
    assert r"\sum_{w=0}^{V-1}" in p.latex(parse("sum(w, exp(U[w] @ v_c))"))
    g = load(ROOT / "derivations" / "g1_neg_sampling.toml")
    assert L.FormulaLatex(g).latex(parse("sigma(-U[ws[k]] @ v_c)")) == (
        r"\sigma\left(-\mathbf{u}_{w_{k}}^\top \mathbf{v}_{c}\right)"
    )
    dd = load(ROOT / "derivations" / "d_grad_outside_matrix.toml")
    assert L.FormulaLatex(dd).latex(parse("outer(yhat - y, v_c)")) == (
        r"\left(\hat{\mathbf{y}} - \mathbf{y}\right) \mathbf{v}_{c}^\top"
    )


MUTATION_CASES = [
    ("d_grad_outside_matrix.toml", "outer(v_c, yhat - y)"),
    ("b_grad_center.toml", "U.T @ (yhat - y)"),
    ("g2_neg_sampling_reuse.toml", "(p_o - 1) * u_o - U[ws].T @ (p_neg - 1)"),
    ("g1_neg_sampling.toml", "-(1 - sigma(u_o @ v_c)) * u_o + sum(k, sigma(U[ws[k]] @ v_c) * U[ws[k]])"),
    ("b_grad_center.toml", "-u_o + sum(j, exp(U[j] @ v_c) * U[j]) / sum(w, exp(U[w] @ v_c))"),
    ("c_grad_outside.toml", "(yhat[o] - 1) * v_c"),
]


def _caught(cases) -> bool:
    for name, text in cases:
        ok, _ = reads_back(load(ROOT / "derivations" / name), text)
        if not ok:
            return True
    return False


def test_the_cases_pass_unmutated():
    for name, text in MUTATION_CASES:
        ok, detail = reads_back(load(ROOT / "derivations" / name), text)
        assert ok, detail


def test_a_printer_that_drops_transposes_is_caught(monkeypatch):
    monkeypatch.setattr(L.FormulaLatex, "row", lambda self, node: self.operand(node, L.ATOM))
    monkeypatch.setitem(L.NODE_RULES, L.Transpose, lambda p, n: p.out(n.operand))
    assert _caught(MUTATION_CASES[:3])
    for case in MUTATION_CASES[:3]:
        assert _caught([case]), case


def test_a_printer_that_drops_a_minus_is_caught(monkeypatch):
    monkeypatch.setitem(L.NODE_RULES, L.Unary, lambda p, n: p.out(n.operand))
    assert _caught([MUTATION_CASES[3]]) and _caught([MUTATION_CASES[4]])


def test_a_printer_that_flips_a_binary_minus_is_caught(monkeypatch):
    original = L.NODE_RULES[L.Binary]

    def flipped(p, node):
        out = original(p, node)
        return L.Out(out.text.replace(" - ", " + "), out.prec, out.open, out.signed)

    monkeypatch.setitem(L.NODE_RULES, L.Binary, flipped)
    assert _caught([MUTATION_CASES[1]]) and _caught([MUTATION_CASES[5]])


# ---- whole documents ------------------------------------------------------------------------

needs_tex = pytest.mark.skipif(
    latex_engine() is None,
    reason="no LaTeX engine (pdflatex) on PATH: install texlive-latex-base (CI's .ci/run does)",
)

# examples/ holds examples/seed-writeup/ (when it exists): its combined document covers both.
SETS = [ROOT / "derivations", ROOT / "examples"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """derivations/ fully checked; examples/ with a short budget per claim (a claim out of time
    is shown as undecided, which is typeset too); the sign-slip example with derive forms."""
    out = {}
    for folder, budget in ((SETS[0], 30), (SETS[1], 3)):
        out[folder.name] = export([str(folder)], tmp_path_factory.mktemp(folder.name), budget, with_derive=False)
    slip = ROOT / "examples" / "sign_slip.toml"
    out["slip"] = export([str(slip)], tmp_path_factory.mktemp("slip"), 30, with_derive=True)
    return out


@needs_tex
@pytest.mark.parametrize("name", [p.name for p in SETS])
def test_combined_document_compiles(exported, name):
    done = exported[name]
    ok, log = compile_pdf(done.combined_tex)
    errors = [line for line in log.splitlines() if line.startswith("!") or "Undefined control" in line]
    assert ok and not errors, "\n".join(errors) or log[-2000:]
    assert done.combined_tex.with_suffix(".pdf").stat().st_size > 10_000


def test_documents_show_verdicts_counterexamples_and_markdown(exported):
    tex = exported["slip"].combined_tex.read_text()
    assert r"\verdict{refuted}" in tex and "Counterexample" in tex and "Residual" in tex
    assert "Regenerated from the loss" in tex
    md = exported["derivations"].combined_md.read_text()
    assert md.count("$$") % 2 == 0 and md.count("$$") > 40
    assert r"\mathbf{U}^\top \left(\hat{\mathbf{y}} - \mathbf{y}\right)" in md
    assert "proved" in md and r"\tag" not in md
    files = {p.name for p in exported["derivations"].files}
    assert {"b_grad_center.tex", "b_grad_center.md"} <= files


# ---- rough edges (issue 15) -----------------------------------------------------------------

SCALAR = """
title = "a gradient with respect to a scalar"
[symbols]
x = "scalar"
[loss]
L = "log(sigma(x))"
[[claim]]
id = "s"
wrt = "x"
result = "1 - sigma(x)"
"""

GLOVE_CLAIM = (
    GLOVE
    + """
[[claim]]
id = "g"
wrt = "Wt[i]"
result = "2 * (W.T @ (W @ Wt[i]))"
"""
)


def test_a_gradient_with_respect_to_a_scalar_typesets_and_compiles(tmp_path):
    (tmp_path / "scalar.toml").write_text(SCALAR)
    done = export([str(tmp_path / "scalar.toml")], tmp_path / "out", 30, with_derive=True)
    for path in (done.combined_tex, done.combined_md):
        text = path.read_text()
        assert "Derived automatically" in text
        assert "$$:" not in text and "_{}" not in text, path.name  # was: "component $$:" and "\right)_{}"
    if latex_engine() is not None:
        ok, log = compile_pdf(done.combined_tex)
        assert ok, log[-2000:]


def test_the_residual_is_typeset_with_our_names_and_indices_are_named_apart(tmp_path):
    (result,) = check_derivation(loads(GLOVE_CLAIM, "<glove>"))
    step = result.steps[-1]
    assert step.verdict == "refuted" and step.residual_expr is not None
    assert "[i, i]" not in step.residual  # the component index is not the declared i
    item = L.LatexReport().steps([step])
    assert r"\texttt" not in item and "Sum(" not in item
    assert r"\sum_{k=0}^{V - 1} L_{k,i} W_{k,j}" in item  # component j, declared i
    assert "Sum(" not in MarkdownReport().steps([step])
