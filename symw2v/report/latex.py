"""Derivations and verdicts -> LaTeX documents that compile with a plain TeX Live (amsmath only).

Two printers live here:

* :class:`FormulaLatex` typesets a formula of our language (a :mod:`symw2v.language.syntax`
  tree) the way the write-up does: bold vectors and matrices (kinds from the file's
  declarations), rows ``U[w]`` as ``\\mathbf{u}_w``, ``^\\top``, ``\\hat{\\mathbf{y}}``,
  ``\\sigma``, sums with limits. It is a table of rules, one per node type (``NODE_RULES``) and
  one per function (``CALL_RULES``); shapes come from a small shape inference over the tree
  (``SHAPE_RULES``), so that ``a @ b`` of two vectors prints ``a^\\top b`` and ``outer(a, b)``
  prints ``a b^\\top``.
* :class:`IndexLatex` (a SymPy ``LatexPrinter``) typesets index-notation expressions: the
  automatically derived gradient, component by component.

The output is meant to be read back: products are ``\\,`` (scalar or elementwise ``\\odot``),
matrix products are bare juxtaposition, groups are ``\\left( \\right)``; the tests parse it
back and compare values, so that a lost transpose or sign fails them.

:class:`LatexReport` assembles one ``.tex`` file per derivation file and one combined document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..derivation.document import Declaration, Derivation
from ..language.syntax import (
    Binary,
    Call,
    Compare,
    Indicator,
    Name,
    Node,
    Number,
    Slice,
    Subscript,
    Transpose,
    Unary,
    walk,
)
from ..verify.verdict import ClaimResult, StepResult

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
}  # fmt: skip


def _core(base: str) -> str:
    """``yhat`` -> ``\\hat{y}``, ``sigma`` -> ``\\sigma``, ``ctx`` -> ``\\mathrm{ctx}``."""
    if len(base) > 3 and base.endswith("hat"):
        return rf"\hat{{{_core(base[:-3])}}}"
    if base in GREEK:
        return "\\" + base
    if len(base) == 1:
        return base
    return rf"\mathrm{{{base}}}"


def _sub(text: str) -> str:
    return text if len(text) == 1 else r"\mathrm{" + text.replace("_", r"\_") + "}"


@dataclass(frozen=True)
class Symbol:
    """How a name is typeset: ``core`` (unbold), optional ``sub``script, and rank."""

    core: str
    sub: str | None
    rank: int

    def bold(self) -> str:
        if self.rank == 0:
            return self.core
        if self.core.startswith(r"\hat{"):
            return rf"\hat{{\mathbf{{{self.core[5:-1]}}}}}"
        if self.core.startswith("\\"):
            return rf"\boldsymbol{{{self.core}}}"
        return rf"\mathbf{{{self.core}}}"

    def text(self) -> str:
        return self.bold() + (f"_{{{self.sub}}}" if self.sub else "")


def symbol_for(name: str, rank: int) -> Symbol:
    base, _, sub = name.partition("_")
    if not base:
        return Symbol(r"\mathrm{" + name.replace("_", r"\_") + "}", None, rank)
    return Symbol(_core(base), _sub(sub) if sub else None, rank)


def list_core(name: str) -> str:
    """An index list ``ws`` is typeset by its entries' letter: ``ws[k]`` -> ``w_{k}``."""
    return name[0] if len(name) == 2 and name.endswith("s") else _core(name)


# ---------------------------------------------------------------------------------------------
# Shape inference over the syntax tree (sizes are size names or None when unknown)
# ---------------------------------------------------------------------------------------------

Shape = tuple[str | None, ...]


class Shapes:
    """Shapes of declared names, definitions and subtrees; ``binders`` are summation indices."""

    def __init__(self, derivation: Derivation):
        self.decls: dict[str, Declaration] = dict(derivation.symbols)
        self.definitions = derivation.definitions
        self.cache: dict[str, Shape] = {}

    def of_name(self, name: str, binders: frozenset[str] = frozenset()) -> Shape:
        if name in binders:
            return ()
        decl = self.decls.get(name)
        if decl is not None:
            return tuple(decl.sizes) if decl.kind in ("vector", "matrix") else ()
        if name in self.definitions:
            if name not in self.cache:
                self.cache[name] = ()  # recursion guard
                d = self.definitions[name]
                self.cache[name] = self.of(d.formula.tree, frozenset(d.params))
            return self.cache[name]
        return ()

    def is_list(self, node: Node, binders: frozenset[str] = frozenset()) -> bool:
        return (
            isinstance(node, Name)
            and node.id not in binders
            and node.id in self.decls
            and self.decls[node.id].kind == "indices"
        )

    def list_length(self, node: Node, binders: frozenset[str] = frozenset()) -> str | None:
        """The length of an index list written as ``ws`` or as a row ``wss[m]`` of a table."""
        if self.is_list(node, binders) and len(self.decls[node.id].sizes) == 2:  # type: ignore[union-attr]
            return self.decls[node.id].sizes[0]  # type: ignore[union-attr]
        if isinstance(node, Subscript) and len(node.indices) == 1 and self.is_list(node.base, binders):
            sizes = self.decls[node.base.id].sizes  # type: ignore[union-attr]
            return sizes[1] if len(sizes) == 3 else None
        return None

    def of(self, node: Node, binders: frozenset[str] = frozenset()) -> Shape:
        rule = SHAPE_RULES.get(type(node))
        return rule(self, node, binders) if rule else ()

    def binder_size(self, k: str, body: Node) -> str | None:
        """The size a summation index ranges over: the first axis it indexes in ``body``."""
        for node in walk(body):
            if isinstance(node, Subscript):
                for pos, idx in enumerate(node.indices):
                    if isinstance(idx, Name) and idx.id == k:
                        if self.is_list(node.base):
                            sizes = self.decls[node.base.id].sizes  # type: ignore[union-attr]
                            return sizes[pos] if pos < len(sizes) - 1 else None
                        shape = self.of(node.base, frozenset({k}))
                        if pos < len(shape):
                            return shape[pos]
        return None




def _shape_subscript(sh: Shapes, node: Subscript, b: frozenset[str]) -> Shape:
    if sh.is_list(node.base, b):
        return ()
    base = sh.of(node.base, b)
    out: list[str | None] = []
    for idx, size in zip(node.indices, base, strict=False):
        length = sh.list_length(idx, b)
        if length is not None:
            out.append(length)
        elif isinstance(idx, Slice):
            out.append(size)
    return tuple(out) + base[len(node.indices) :]


def _shape_binary(sh: Shapes, node: Binary, b: frozenset[str]) -> Shape:
    left, right = sh.of(node.left, b), sh.of(node.right, b)
    if node.op == "@":
        return left[:-1] + right[1:]
    if node.op == "**":
        return left
    return left if len(left) >= len(right) else right


def _shape_call(sh: Shapes, node: Call, b: frozenset[str]) -> Shape:
    args = node.args
    if node.func in sh.definitions:
        return sh.of_name(node.func, b)
    match node.func:
        case "outer":
            return sh.of(args[0], b) + sh.of(args[1], b)
        case "onehot":
            return (_name_of(args[1]),)
        case "ones" | "zeros":
            return tuple(_name_of(a) for a in args)
        case "sum":
            binder = args[0].left if isinstance(args[0], Compare) else args[0]
            return sh.of(args[1], b | {_name_of(binder) or ""})
        case "grad":
            return sh.of(args[1], b)
        case "logaddexp":
            return max((sh.of(a, b) for a in args), key=len)
        case "diag":
            return sh.of(args[0], b) * 2
        case "jacobian":
            return sh.of(args[0], b) + sh.of(args[1], b)
        case "max" | "count":
            return ()
        case "concat":
            return (None,)
        case "stack":
            return (None, sh.of(args[0], b)[-1] if sh.of(args[0], b) else None)
    return sh.of(args[0], b) if args else ()


def _name_of(node: Node) -> str | None:
    return node.id if isinstance(node, Name) else None


SHAPE_RULES: dict[type, Callable[[Shapes, Node, frozenset[str]], Shape]] = {
    Name: lambda sh, n, b: sh.of_name(n.id, b),
    Number: lambda sh, n, b: (),
    Unary: lambda sh, n, b: sh.of(n.operand, b),
    Binary: _shape_binary,
    Subscript: _shape_subscript,
    Transpose: lambda sh, n, b: sh.of(n.operand, b)[::-1],
    Indicator: lambda sh, n, b: max((sh.of(n.condition.left, b), sh.of(n.condition.right, b)), key=len)
    if n.condition.op not in ("==", "!=")
    else (),
    Compare: lambda sh, n, b: (),
    Call: _shape_call,
}

# ---------------------------------------------------------------------------------------------
# The formula printer
# ---------------------------------------------------------------------------------------------

# Precedence levels; higher binds tighter. A unary minus sits at the product level: products
# are linear in each factor, so "-a b" means the same whichever factor the minus belongs to.
ADD, PRODUCT, POWER, ATOM = 2, 3, 5, 6


@dataclass(frozen=True)
class Out:
    """Printed text, its precedence, and whether it ends in an open sum (``\\sum_k f``
    extends over the product that follows it, so an open left operand must be wrapped)."""

    text: str
    prec: int
    open: bool = False
    signed: bool = False  # starts with a unary minus


def paren(text: str) -> str:
    return rf"\left({text}\right)"


class FormulaLatex:
    """Syntax tree -> LaTeX math, one rule per node type and per function."""

    def __init__(self, derivation: Derivation):
        self.derivation = derivation
        self.shapes = Shapes(derivation)
        self.binders: frozenset[str] = frozenset()

    # -- entry points ---------------------------------------------------------------------

    def latex(self, node: Node) -> str:
        return self.out(node).text

    def terms(self, node: Node) -> list[str]:
        """The top-level terms of a sum, each with its sign, for breaking long lines."""
        if isinstance(node, Binary) and node.op in "+-" and len(node.op) == 1:
            right = self.operand(node.right, ADD + 1)
            return [*self.terms(node.left), f"{node.op} {right}"]
        return [self.latex(node)]

    # -- helpers --------------------------------------------------------------------------

    def out(self, node: Node) -> Out:
        rule = NODE_RULES.get(type(node))
        if rule is None:
            raise TypeError(f"no LaTeX rule for {type(node).__name__}")
        return rule(self, node)

    def operand_out(self, node: Node, needed: int, closed: bool = False, signed_ok: bool = False) -> Out:
        """``node`` as an operand: wrapped in parentheses when it binds less tightly than
        ``needed``, when it ends in an open sum and must be ``closed``, or when it starts with
        a minus where a sign is not expected."""
        o = self.out(node)
        if o.prec < needed or (closed and o.open) or (o.signed and not signed_ok):
            return Out(paren(o.text), ATOM)
        return o

    def operand(self, node: Node, needed: int, closed: bool = False, signed_ok: bool = False) -> str:
        return self.operand_out(node, needed, closed, signed_ok).text

    def rank(self, node: Node) -> int:
        return len(self.shapes.of(node, self.binders))

    def symbol(self, name: str) -> Symbol:
        return symbol_for(name, len(self.shapes.of_name(name, self.binders)))

    def row(self, node: Node) -> str:
        """``node^\\top`` for a vector (a row vector); a leading minus stays in front."""
        if isinstance(node, Unary) and node.op == "-":
            return "-" + self.row(node.operand)
        text = self.operand(node, ATOM)
        return ("{" + text + "}" if "^" in text else text) + r"^\top"

    def bound(self, binders: set[str]) -> FormulaLatex:
        child = FormulaLatex.__new__(FormulaLatex)
        child.derivation, child.shapes = self.derivation, self.shapes
        child.binders = self.binders | binders
        return child


def _name(p: FormulaLatex, node: Name) -> Out:
    return Out(p.symbol(node.id).text(), ATOM)


def _number(p: FormulaLatex, node: Number) -> Out:
    v: Fraction = node.value
    if v.denominator == 1:
        return Out(str(v.numerator), ATOM)
    from ..language.printer import to_text

    return Out(to_text(node), ATOM)


def _unary(p: FormulaLatex, node: Unary) -> Out:
    inner = p.operand_out(node.operand, PRODUCT)
    return Out(f"{node.op}{inner.text}", PRODUCT, inner.open, signed=True)


def _product_sep(p: FormulaLatex, left: Node, right: Node, right_text: str) -> str:
    if p.rank(left) and p.rank(right):
        return r" \odot "
    return r" \cdot " if right_text[:1].isdigit() else r" \, "


def _binary(p: FormulaLatex, node: Binary) -> Out:
    op = node.op
    if op in ("+", "-"):
        left = p.operand_out(node.left, ADD, signed_ok=True)
        right = p.operand_out(node.right, ADD + 1)
        return Out(f"{left.text} {op} {right.text}", ADD, right.open, left.signed)
    if op == "/":
        return Out(rf"\frac{{{p.latex(node.left)}}}{{{p.latex(node.right)}}}", ATOM)
    if op == "**":
        base = p.operand(node.left, ATOM)
        return Out(f"{{{base}}}^{{{p.latex(node.right)}}}", POWER)
    right = p.operand_out(node.right, PRODUCT + 1)
    if op == "*":
        left = p.operand_out(node.left, PRODUCT, closed=True, signed_ok=True)
        sep = _product_sep(p, node.left, node.right, right.text)
        return Out(left.text + sep + right.text, PRODUCT, right.open, left.signed)
    # op == "@": under rows a vector on the left is a row vector; under columns the formula
    # writes its transposes itself
    if p.rank(node.left) == 1 and p.derivation.convention != "columns":
        text = p.row(node.left)
    else:
        text = p.operand(node.left, PRODUCT, closed=True, signed_ok=True)
    return Out(f"{text} {right.text}", PRODUCT, right.open, text.startswith("-"))


def _subscript(p: FormulaLatex, node: Subscript) -> Out:
    base, idx = node.base, node.indices
    sh = p.shapes
    if sh.is_list(base, p.binders):  # ws[k] -> w_{k}, wss[m, k] -> wss_{m,k}, a row wss[m] -> wss_{m}
        return Out(f"{list_core(base.id)}_{{{','.join(p.latex(i) for i in idx)}}}", ATOM)  # type: ignore[union-attr]
    if len(idx) == 2 and isinstance(idx[0], Slice) and not sh.is_list(idx[1], p.binders):
        column = _column(p, base, p.latex(idx[1]))  # U[:, o] -> u_o
        if column:
            return Out(column, ATOM)
    parts = []
    for i in idx:
        if sh.list_length(i, p.binders) is not None:  # a gather: U[ws], U[wss[m]]
            name = i.id if isinstance(i, Name) else i.base.id  # type: ignore[union-attr]
            row = f"_{{{p.latex(i.indices[0])}}}" if isinstance(i, Subscript) else ""
            parts.append(rf"\mathbf{{{list_core(name)}}}{row}")
        else:
            parts.append(p.latex(i))
    inner = ",".join(parts)
    rank_after = p.rank(node)
    if isinstance(base, Name) and base.id not in p.binders:
        s = p.symbol(base.id)
        if s.sub is None:
            if s.rank == 2 and rank_after == 1 and len(idx) == 1 and not sh.is_list(idx[0], p.binders):
                row = symbol_for(base.id.lower(), 1) if len(base.id) == 1 and base.id.isupper() else s
                return Out(f"{row.bold()}_{{{inner}}}", ATOM)
            core = s.bold() if rank_after else s.core
            return Out(f"{core}_{{{inner}}}", ATOM)
    return Out(f"{paren(p.latex(base))}_{{{inner}}}", ATOM)


def _column(p: FormulaLatex, base: Node, index: str) -> str | None:
    """Column ``index`` of a declared matrix named by one capital (U -> \\mathbf{u}_{o})."""
    if isinstance(base, Name) and base.id not in p.binders and len(base.id) == 1 and base.id.isupper():
        return f"{symbol_for(base.id.lower(), 1).bold()}_{{{index}}}"
    return None


def _transpose(p: FormulaLatex, node: Transpose) -> Out:
    text = p.operand(node.operand, ATOM)
    text = paren(text) if text.startswith(r"\frac") else text
    return Out(("{" + text + "}" if "^" in text else text) + r"^\top", ATOM)


COMPARE_LATEX = {"==": "=", "!=": r"\neq", "<": "<", "<=": r"\leq", ">": ">", ">=": r"\geq",
                 "in": r"\in", "not in": r"\notin"}  # fmt: skip


def _compare(p: FormulaLatex, node: Compare) -> Out:
    return Out(f"{p.latex(node.left)} {COMPARE_LATEX[node.op]} {p.latex(node.right)}", 1)


def _indicator(p: FormulaLatex, node: Indicator) -> Out:
    return Out(rf"\left[{p.latex(node.condition)}\right]", ATOM)


def _call(p: FormulaLatex, node: Call) -> Out:
    rule = CALL_RULES.get(node.func)
    if rule is not None and node.func not in p.derivation.definitions:
        return rule(p, node)
    s = p.symbol(node.func)  # a macro such as J_sm(o)
    return Out(s.text() + paren(", ".join(p.latex(a) for a in node.args)), ATOM)


def _function(command: str) -> Callable[[FormulaLatex, Call], Out]:
    return lambda p, n: Out(command + paren(", ".join(p.latex(a) for a in n.args)), ATOM)


def _sum(p: FormulaLatex, node: Call) -> Out:
    binder, body = node.args
    size = None
    if isinstance(binder, Compare):
        size, binder = _name_of(binder.right), binder.left
    k = _name_of(binder) or "?"
    inner = p.bound({k})
    size = size or p.shapes.binder_size(k, body)
    limits = f"_{{{k}=0}}^{{{_sub(size) if size else '?'}-1}}" if size else f"_{{{k}}}"
    text = inner.operand(body, PRODUCT)
    return Out(rf"\sum{limits} {text}", PRODUCT, open=True)


def _grad(p: FormulaLatex, node: Call) -> Out:
    f, x = node.args
    wrt = p.latex(x)
    if isinstance(f, Name):
        return Out(rf"\frac{{\partial {p.latex(f)}}}{{\partial {wrt}}}", ATOM)
    return Out(rf"\frac{{\partial}}{{\partial {wrt}}}{paren(p.latex(f))}", ATOM)


def _outer(p: FormulaLatex, node: Call) -> Out:
    a, b = node.args
    return Out(f"{p.operand(a, PRODUCT, closed=True, signed_ok=True)} {p.row(b)}", PRODUCT, signed=_signed(a))


def _signed(node: Node) -> bool:
    return isinstance(node, Unary) and node.op == "-"


def _onehot(p: FormulaLatex, node: Call) -> Out:
    return Out(rf"\operatorname{{onehot}}_{{{p.latex(node.args[1])}}}{paren(p.latex(node.args[0]))}", ATOM)


def _filled(digit: str) -> Callable[[FormulaLatex, Call], Out]:
    return lambda p, n: Out(rf"\mathbf{{{digit}}}_{{{','.join(p.latex(a) for a in n.args)}}}", ATOM)


CALL_RULES: dict[str, Callable[[FormulaLatex, Call], Out]] = {
    "exp": _function(r"\exp"),
    "log": _function(r"\log"),
    "tanh": _function(r"\tanh"),
    "sigma": _function(r"\sigma"),
    "relu": _function(r"\operatorname{ReLU}"),
    "softmax": _function(r"\operatorname{softmax}"),
    "logaddexp": _function(r"\operatorname{logaddexp}"),
    "distinct": _function(r"\operatorname{distinct}"),
    "max": _function(r"\max"),
    "diag": _function(r"\operatorname{diag}"),
    "count": _function(r"\operatorname{count}"),
    "jacobian": _function(r"\operatorname{jacobian}"),
    "concat": _function(r"\operatorname{concat}"),
    "stack": _function(r"\operatorname{stack}"),
    "outer": _outer,
    "onehot": _onehot,
    "ones": _filled("1"),
    "zeros": _filled("0"),
    "sum": _sum,
    "grad": _grad,
}

NODE_RULES: dict[type, Callable[[FormulaLatex, Node], Out]] = {
    Name: _name,
    Number: _number,
    Unary: _unary,
    Binary: _binary,
    Subscript: _subscript,
    Slice: lambda p, n: Out(":", ATOM),
    Transpose: _transpose,
    Compare: _compare,
    Indicator: _indicator,
    Call: _call,
}

# ---------------------------------------------------------------------------------------------
# Index notation (SymPy) -> LaTeX
# ---------------------------------------------------------------------------------------------


class IndexLatex(LatexPrinter):
    """SymPy index notation as the write-up would write components: ``U_{k,i}``, ``v_{c,i}``."""

    def _print_Dummy(self, expr, **kwargs):
        return self._print(sp.Symbol(expr.name.lstrip("_") or "i"))

    def _print_Symbol(self, expr, **kwargs):
        name = expr.name.lstrip("_")
        base, _, sub = name.partition("_")
        text = _core(base) if base else name
        return text + (f"_{{{_sub(sub)}}}" if sub else "")

    def _print_Indexed(self, expr, **kwargs):
        name = str(expr.base.label)
        idx = ",".join(self._print(i) for i in expr.indices)
        if expr.base.assumptions0.get("integer"):  # an index list: ws[k] -> w_{k}
            return f"{list_core(name)}_{{{idx}}}"
        base, _, sub = name.partition("_")
        core = _core(base) if base else name
        return f"{core}_{{{_sub(sub) + ',' if sub else ''}{idx}}}"

    def _print_KroneckerDelta(self, expr, **kwargs):
        a, b = (self._print(x) for x in expr.args)
        return rf"\delta_{{{a},{b}}}"


def index_latex(e: sp.Expr) -> str:
    return IndexLatex({"fold_short_frac": False, "mul_symbol": None}).doprint(e)


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=18mm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{color,graphicx}
\allowdisplaybreaks
\definecolor{proved}{rgb}{0,0.45,0}
\definecolor{checked}{rgb}{0.1,0.45,0.3}
\definecolor{refuted}{rgb}{0.75,0,0}
\definecolor{undecided}{rgb}{0.6,0.45,0}
\definecolor{malformed}{rgb}{0.55,0,0.55}
\newcommand{\verdict}[1]{\textcolor{#1}{\textsf{\textbf{#1}}}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""

SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}  # fmt: skip


def escape(text: str) -> str:
    """Plain text -> LaTeX text mode; long unbroken runs may break after , = + ( [ *"""
    out = "".join(SPECIALS.get(c, c) for c in text)
    out = re.sub(r"(?<=[,=+(\[*])(?!\s)", r"\\allowbreak{}", out)
    return "".join(c if ord(c) < 128 else _unicode(c) for c in out)


def _unicode(c: str) -> str:
    table = {"σ": r"$\sigma$", "≠": r"$\neq$", "×": r"$\times$", "ŷ": r"$\hat{y}$", "δ": r"$\delta$",
             "–": "--", "—": "---", "∂": r"$\partial$", "ᵀ": r"$^\top$", "…": r"\ldots{}", "’": "'"}  # fmt: skip
    return table.get(c, "?")


# Lines longer than this (in visible characters, roughly) are broken at top-level + and -.
LINE_WIDTH = 70
# A display wider than this is scaled to the line width; three times wider is left out.
WIDE = 95


def visible_width(latex: str) -> int:
    text = re.sub(r"\\(left|right|mathbf|mathrm|boldsymbol|operatorname|hat|top|,)", "", latex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: max(m.group(1), m.group(2), key=len), text)
    return len(re.sub(r"[{}_^\\ ]", "", text))


def break_lines(terms: list[str], width: int = LINE_WIDTH) -> list[str]:
    lines: list[str] = []
    for term in terms:
        if lines and visible_width(lines[-1] + term) <= width:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return lines


def component_of(lhs: str, indices: str) -> str:
    """Component ``indices`` of ``lhs`` (``(...)_{i,j}``), or ``lhs`` itself when it is a scalar
    (no indices: an empty ``$$`` or ``_{}`` would break the document)."""
    return rf"\left({lhs}\right)_{{{indices}}}" if indices else lhs


@dataclass
class ClaimView:
    """What a document shows of one claim besides its chain: the automatically derived
    gradient in components (LaTeX), and the ``derive`` form (a formula tree) if there is one."""

    component: str | None = None
    indices: str = ""
    regenerated: Node | None = None
    regenerated_kind: str = ""


class LatexReport:
    """Derivation files and their verdicts -> LaTeX: one document per file, one combined.

    The text-level pieces (headings, emphasis, lists, math blocks, step tags) are methods, so
    that :class:`symw2v.report.markdown.MarkdownReport` can change only those."""

    extension = ".tex"

    # -- text-level hooks -----------------------------------------------------------------

    def escape(self, text: str) -> str:
        return escape(text)

    def heading(self, level: int, text: str, right: str = "") -> str:
        command = {1: "section", 2: "subsection", 3: "subsection*"}[level]
        fill = r" \hfill " + right if right else ""
        return f"\\{command}{{{text}{fill}}}\n"

    def emph(self, text: str) -> str:
        return f"\\emph{{{text}}}"

    def code(self, text: str) -> str:
        return f"\\texttt{{{self.escape(text)}}}"

    def verdict(self, verdict: str) -> str:
        return f"\\verdict{{{verdict}}}"

    def inline(self, latex: str) -> str:
        return f"${latex}$"

    def math(self, lines: list[str]) -> str:
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n"

    def display(self, latex: str) -> str:
        return f"\\[ {latex} \\]\n"

    def comment(self, text: str) -> str:
        return f"% {text}\n"

    def wide(self, latex: str, width: int) -> str:
        """A display that may be too wide for the page: scaled down to the line width."""
        if width <= WIDE:
            return self.display(latex)
        return f"\\begin{{center}}\\resizebox{{\\linewidth}}{{!}}{{$\\displaystyle {latex}$}}\\end{{center}}\n"

    def label(self, text: str) -> str:
        return f" \\tag*{{\\small {text}}}"

    def tag(self, n: int, verdict: str) -> str:
        return f" \\tag*{{\\small {n}: {self.verdict(verdict)}}}"

    def items(self, items: list[str]) -> str:
        return "\\begin{itemize}\\small\n" + "\n".join(f"\\item {i}" for i in items) + "\n\\end{itemize}\n"

    def newline(self) -> str:
        return "\\\\ "

    def document(self, body: str, title: str) -> str:
        return (
            PREAMBLE
            + f"\\title{{{self.escape(title)}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n"
            + body
            + "\\end{document}\n"
        )

    def combined(self, sections: list[str], title: str = "symw2v: checked derivations") -> str:
        return self.document("\\tableofcontents\n" + "\n".join(sections), title)

    # -- structure ------------------------------------------------------------------------

    def malformed_file(self, name: str, error: str) -> str:
        """The section of a file that cannot be read: its name and the error."""
        return self.heading(1, self.escape(name)) + self.verdict("malformed") + " " + self.escape(error) + "\n\n"

    def section(
        self,
        derivation: Derivation,
        results: list[ClaimResult],
        views: dict[str, ClaimView] | None = None,
    ) -> str:
        views = views or {}
        p = FormulaLatex(derivation)
        out = [self.heading(1, self.escape(derivation.title))]
        if derivation.source:
            out.append(f"{self.emph('Source:')} {self.escape(derivation.source)}\n\n")
        out.append(f"{self.emph('File:')} {self.code(derivation.path)}\n\n")
        out.append(self.objects(derivation, p))
        for r in results:
            if r.claim == "(file)" and r.error:
                out.append(f"{self.verdict('malformed')} {self.escape(r.error)}\n\n")
        by_id = {r.claim: r for r in results}
        for claim in derivation.claims:
            out.append(self.claim(p, claim, by_id.get(claim.id), views.get(claim.id)))
        return "".join(out)

    def objects(self, derivation: Derivation, p: FormulaLatex) -> str:
        rows = []
        for decl in derivation.symbols.values():
            sizes = tuple(_sub(s) for s in decl.sizes)
            match decl.kind:
                case "scalar":
                    rows.append(rf"{p.symbol(decl.name).text()} \in \mathbb{{R}}")
                case "vector":
                    rows.append(rf"{p.symbol(decl.name).text()} \in \mathbb{{R}}^{{{sizes[0]}}}")
                case "matrix":
                    rows.append(rf"{p.symbol(decl.name).text()} \in \mathbb{{R}}^{{{sizes[0]} \times {sizes[1]}}}")
                case "index":
                    rows.append(rf"{p.symbol(decl.name).text()} \in \{{0, \dots, {sizes[0]}-1\}}")
                case "indices" if len(sizes) == 3:
                    c = list_core(decl.name)
                    rows.append(
                        rf"{c}_{{m,k}} \in \{{0, \dots, {sizes[2]}-1\}}\ (m < {sizes[0]},\ k < {sizes[1]})"
                    )
                case "indices":
                    c = list_core(decl.name)
                    rows.append(rf"{c}_0, \dots, {c}_{{{sizes[0]}-1}} \in \{{0, \dots, {sizes[1]}-1\}}")
        conv = {
            "rows": "rows: " + self.inline(r"\mathbf{U}") + " holds one vector per row, "
            + self.inline(r"\mathbf{u}_{w}") + " is row " + self.inline("w")
            + "; a gradient has the shape of what it is taken with respect to.",
            "columns": "columns: one vector per column.",
        }[derivation.convention]
        out = self.heading(3, "Objects") + f"Convention: {conv}\n\n"
        out += self.math([r",\quad ".join(rows[i : i + 3]) for i in range(0, len(rows), 3)])
        lines = []
        for d in derivation.definitions.values():
            q = p.bound(set(d.params))
            head = q.symbol(d.name).text() + (paren(", ".join(d.params)) if d.params else "")
            lines.append(f"{head} &= {q.latex(d.formula.tree)}")
        if lines:
            out += "Definitions and losses:\n\n" + self.math(lines)
        if derivation.assume:
            assume = r",\quad ".join(p.latex(a.tree) for a in derivation.assume)
            out += f"Assumed throughout: {self.inline(assume)}\n\n"
        return out

    def claim(self, p: FormulaLatex, claim, result: ClaimResult | None, view: ClaimView | None) -> str:
        verdict = result.verdict if result else "undecided"
        out = [self.heading(2, f"Claim {self.code(claim.id)}", self.verdict(verdict))]
        if claim.says:
            out.append(self.emph(self.escape(claim.says)) + "\n\n")
        if claim.assume:
            out.append("Assuming " + self.inline(r",\quad ".join(p.latex(a.tree) for a in claim.assume)) + ".\n\n")
        if claim.when:
            out.append("Holds when " + self.inline(r",\quad ".join(p.latex(a.tree) for a in claim.when)) + ".\n\n")
        if result and result.error:
            out.append(f"{self.verdict('malformed')}: {self.escape(result.error)}\n\n")
            return "".join(out)
        steps = {s.number: s for s in (result.steps if result else [])}
        lines: list[str] = []
        head = " ".join(break_lines(p.terms(claim.chain[0].tree)))
        for n, formula in enumerate(claim.chain[1:], start=1):
            pieces = break_lines(p.terms(formula.tree))
            tag = self.tag(n, steps[n].verdict) if n in steps else ""
            lines.append(f"{head if n == 1 else ''} &= {pieces[0]}{tag}")
            lines.extend(f"&\\quad {piece}" for piece in pieces[1:])
        out.append(self.math(lines))
        if steps:
            out.append(self.steps(list(steps.values())))
        if view is not None:
            out.append(self.derived(p, claim, view))
        return "".join(out)

    def steps(self, steps: list[StepResult]) -> str:
        items = []
        for s in steps:
            item = f"step {s.number}: {self.verdict(s.verdict)}: {self.escape(s.shown)}"
            if s.verdict == "refuted" and s.counterexample is not None:
                c = s.counterexample
                values = ", ".join(f"{k} = {v}" for k, v in c.values.items())
                item += (
                    f"{self.newline()}{self.emph('Counterexample')} at {self.escape(c.instance.describe())}, "
                    f"component {self.escape(str(list(c.component)))}: {self.escape(values)}; "
                    f"left side {self.inline(f'{c.left:.6g}')}, right side {self.inline(f'{c.right:.6g}')}."
                )
                if s.residual_expr is not None:
                    residual = self.inline(rf"\text{{left}} - \text{{right}} = {index_latex(s.residual_expr)}")
                    item += f"{self.newline()}{self.emph('Residual:')} {residual}"
                elif s.residual:
                    item += f"{self.newline()}{self.emph('Residual')} left - right: {self.code(s.residual)}"
            diagnosis = getattr(s, "diagnosis", None)
            if diagnosis and s.residual_expr is not None:  # the residual is typeset above, not repeated raw
                diagnosis = diagnosis.replace(f", left - right = {s.residual}", ": the residual above")
            if diagnosis:
                item += f"{self.newline()}{self.emph('Diagnosis:')} {self.escape(str(diagnosis))}"
            items.append(item)
        return self.items(items)

    def derived(self, p: FormulaLatex, claim, view: ClaimView) -> str:
        out = []
        lhs = p.latex(claim.lhs.tree)
        if view.component is not None:
            formula = f"{component_of(lhs, view.indices)} = {view.component}"
            width = visible_width(formula)
            head = "Derived automatically (SymPy, index notation, normalised)"
            head += ", component " + self.inline(view.indices) if view.indices else ""
            if width > 3 * WIDE:
                see = self.code("symw2v derive")
                out.append(head + f": too long to typeset here ({width} symbols); see {see}.\n\n")
            else:
                out.append(head + ":\n\n" + self.wide(formula, width))
        if view.regenerated is not None:
            pieces = break_lines(p.terms(view.regenerated))
            lines = [f"{lhs} &= {pieces[0]}{self.label('regenerated')}", *(f"&\\quad {x}" for x in pieces[1:])]
            lines.append(f"{lhs} &= {p.latex(claim.result.tree)}{self.label('hand-derived')}")
            out.append(
                f"Regenerated from the loss by {self.code('symw2v derive')} ({view.regenerated_kind} form), "
                "beside the hand-derived result:\n\n" + self.math(lines)
            )
        return "".join(out)
