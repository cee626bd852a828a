"""Closed-form syntax tree -> per-pair fused loops for Numba (one printer class per output target).

The sibling of :class:`~symw2v.kernels.numpy_printer.NumPyPrinter`: it walks the same trees (definitions
inlined, parameters bound, proved rewrites applied) but prints the code of *one* example, as scalar
statements and explicit loops that Numba compiles. Values are

* scalars (rank 0): a local variable ``tN``;
* vectors and matrices: a *template* with one placeholder per axis (``u_neg[{0}, {1}]``) and the
  size name of each axis (``d``, ``K``). Arithmetic, outer products and transposes stay templates
  (they are fused into whatever loop consumes them); reductions (``@``, ``ones(n) @ x``) and
  functions (``exp``, ``tanh``, ...) of vectors are materialized into rows of a scratch array
  ``work`` that the caller allocates once (no allocation per example).

Numbers are printed as ``F(x)`` with ``F = v_c.dtype.type``, so float32 stays float32. The rules
are tables keyed as in the NumPy printer; softmax and sigma have no rule (a proved stability
rewrite must remove them first), and forms without a per-example rule (subscripts, ``max``,
one-hot) are refused, so a kernel that needs them is not printed for this target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..language.printer import to_text
from ..language.syntax import Binary, Call, Name, Node, Number, Transpose, Unary
from .numpy_printer import ARITHMETIC, STABILITY_HINTS, PrintError, _number, is_ones_matmul


@dataclass(frozen=True)
class NVal:
    code: str  # rank 0: an atom; rank >= 1: a template with {0}, {1} for the axes
    dims: tuple[str, ...]  # the size name of each axis
    transposed: bool = False  # a matrix template whose axes are swapped relative to storage
    # a matrix of gathered rows: (the index of stored row {0}, the element in column {0} of row r),
    # e.g. ("ws[{0}]", "U[r, {0}]") for U[ws]
    row: tuple[str, str] | None = None

    @property
    def rank(self) -> int:
        return len(self.dims)

    def at(self, *ix: str) -> str:
        return self.code.format(*ix) if self.dims else self.code


class NumbaPrinter:
    """Prints the body of one per-example kernel; ``env`` maps parameter names to their :class:`NVal`."""

    def __init__(self, env: dict[str, NVal]):
        self.env = dict(env)
        self.lines: list[str] = []
        self.memo: dict[tuple[str, tuple[str, ...]], NVal] = {}
        self.count = 0
        self.scratch = 0  # rows of `work` used

    # -- statements -----------------------------------------------------------------------

    def _name(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def scalar(self, code: str, node: Node | None) -> NVal:
        key = (code, ())
        if key not in self.memo:
            name = self._name()
            self.lines.append(f"{name} = {code}" + (f"  # {to_text(node)}" if node is not None else ""))
            self.memo[key] = NVal(name, ())
        return self.memo[key]

    def lazy(self, code: str, dims: tuple[str, ...], transposed: bool = False) -> NVal:
        return NVal(code, dims, transposed)

    def materialize(self, fill: Callable[[str], list[str]], dims: tuple[str, ...], node: Node, key: str) -> NVal:
        """A vector in the next scratch row: ``fill(row)`` returns the loop that writes it (``{row}, i]``
        is its element i)."""
        if (key, dims) in self.memo:
            return self.memo[key, dims]
        if len(dims) != 1:
            raise PrintError(f"only vectors are materialized per example: {to_text(node)}")
        row = f"work[{self.scratch}"  # fill writes `{row}, i]`: 2-D indexing, no view of work
        self.scratch += 1
        self.lines.append(f"# {row}] = {to_text(node)}")
        self.lines += fill(row)
        val = NVal(f"{row}, {{0}}]", dims)
        self.memo[key, dims] = val
        return val

    def write(self, target: str, val: NVal) -> list[str]:
        """Statements that store ``val`` at ``target``: a name (a scalar) or a template with one
        placeholder per axis (``g_vc[q, {0}]``: row q of the caller's buffer; fused loops)."""
        if val.rank == 0:
            return [f"{target} = {val.code}"]
        if val.rank == 1:
            return [f"for i in range({val.dims[0]}):", f"    {target.format('i')} = {val.at('i')}"]
        return [
            f"for i in range({val.dims[0]}):",
            f"    for j in range({val.dims[1]}):",
            f"        {target.format('i', 'j')} = {val.at('i', 'j')}",
        ]

    # -- dispatch -------------------------------------------------------------------------

    def value(self, node: Node) -> NVal:
        for matches, rule in SPECIAL_FORMS:
            if matches(node):
                return rule(self, node)
        rule = NODE_RULES.get(type(node))
        if rule is None:
            raise PrintError(f"no per-example Numba rule for {type(node).__name__}: {to_text(node)}")
        return rule(self, node)

    # -- node rules -----------------------------------------------------------------------

    def name(self, node: Name) -> NVal:
        if node.id not in self.env:
            raise PrintError(f"{node.id!r} is not a parameter of this kernel")
        return self.env[node.id]

    def number(self, node: Number) -> NVal:
        return NVal(f"F({_number(node.value)})", ())

    def unary(self, node: Unary) -> NVal:
        v = self.value(node.operand)
        if node.op == "+":
            return v
        if v.rank == 0:
            return self.scalar(f"-{v.code}", node)
        return self.lazy(f"(-{v.code})", v.dims, v.transposed)

    def binary(self, node: Binary) -> NVal:
        if node.op == "@":
            return self.matmul(node)
        a, b = self.value(node.left), self.value(node.right)
        if node.op == "**" and b.rank:
            raise PrintError("the exponent of ** must be a scalar")
        if a.rank and b.rank and a.dims != b.dims:
            raise PrintError(f"elementwise {node.op} of shapes {a.dims} and {b.dims}: {to_text(node)}")
        op = ARITHMETIC[node.op]
        if not a.rank and not b.rank:
            return self.scalar(f"{a.code} {op} {b.code}", node)
        dims = a.dims or b.dims
        code = f"({_esc(a)} {op} {_esc(b)})"
        if node.op == "/" and len(dims) == 1:  # a division costs like a function call: compute it once
            return self.materialize(lambda row: [f"for i in range({dims[0]}):", f"    {row}, i] = {code.format('i')}"],
                                    dims, node, code)
        return self.lazy(code, dims, (a if a.rank else b).transposed)

    def matmul(self, node: Binary) -> NVal:
        a, b = self.value(node.left), self.value(node.right)
        rule = MATMUL_RULES.get((a.rank, b.rank))
        if rule is None:
            raise PrintError(f"no per-example @ rule for ranks {(a.rank, b.rank)}: {to_text(node)}")
        return rule(self, a, b, node)

    def call(self, node: Call) -> NVal:
        rule = CALL_RULES.get(node.func)
        if rule is None:
            hint = STABILITY_HINTS.get(node.func, "")
            raise PrintError(f"no per-example Numba rule for {node.func}(...){hint}: {to_text(node)}")
        return rule(self, node)

    def transpose(self, node: Transpose) -> NVal:
        v = self.value(node.operand)
        if v.rank < 2:
            return v
        return _transpose_val(v)

    # -- special forms --------------------------------------------------------------------

    def ones_matmul(self, node: Binary) -> NVal:
        x = self.value(node.right)
        if x.rank != 1:
            raise PrintError("ones(n) @ X is printed for vectors X")
        return self.reduce_sum(x.at("i"), x.dims[0], node)

    def reduce_sum(self, term: str, size: str, node: Node) -> NVal:
        key = (f"sum {term} {size}", ())
        if key not in self.memo:
            name = self._name()
            self.lines += [
                f"{name} = F(0)  # {to_text(node)}",
                f"for i in range({size}):",
                f"    {name} += {term}",
            ]
            self.memo[key] = NVal(name, ())
        return self.memo[key]


def _transpose_val(v: NVal) -> NVal:
    code = v.code.replace("{0}", "{_}").replace("{1}", "{0}").replace("{_}", "{1}")
    return NVal(code, v.dims[::-1], not v.transposed, v.row)


def _esc(v: NVal) -> str:
    """A template used inside another template: literal braces of an atom are already escaped."""
    return v.code


def _dot(p: NumbaPrinter, a: NVal, b: NVal, node: Node) -> NVal:
    if a.dims != b.dims:
        raise PrintError(f"dot product of sizes {a.dims} and {b.dims}: {to_text(node)}")
    return p.reduce_sum(f"{a.at('i')} * {b.at('i')}", a.dims[0], node)


def _matvec(p: NumbaPrinter, m: NVal, x: NVal, node: Node) -> NVal:
    """m (rows, cols) @ x (cols): loops in storage order (a transposed m accumulates row by row). A
    matrix of gathered rows is read in place, its row index hoisted out of the inner loop
    (``r = ws[j]``, then ``U[r, i]``), which Numba vectorizes; ``U[ws[j], i]`` in the loop is not
    vectorized, copying the rows first costs a fifth of the pair, and a row view ``U[ws[j]]`` costs
    a reference count (measured, README)."""
    rows, cols = m.dims
    if cols != x.dims[0]:
        raise PrintError(f"matrix {m.dims} @ vector {x.dims}: {to_text(node)}")

    def element(i: str, j: str) -> str:
        return m.row[1].format(i if m.transposed else j) if m.row else m.at(i, j)

    def view(r: str) -> list[str]:
        return [f"    r = {m.row[0].format(r)}"] if m.row else []

    def fill(row: str) -> list[str]:
        if m.transposed:  # storage is (cols, rows): sweep each stored row once
            return [
                f"for i in range({rows}):",
                f"    {row}, i] = F(0)",
                f"for j in range({cols}):",
                f"    xj = {x.at('j')}",
                *view("j"),
                f"    for i in range({rows}):",
                f"        {row}, i] += {element('i', 'j')} * xj",
            ]
        return [
            f"for i in range({rows}):",
            "    acc = F(0)",
            *view("i"),
            f"    for j in range({cols}):",
            f"        acc += {element('i', 'j')} * {x.at('j')}",
            f"    {row}, i] = acc",
        ]

    return p.materialize(fill, (rows,), node, f"{m.code} @ {x.code}")


MATMUL_RULES: dict[tuple[int, int], Callable[[NumbaPrinter, NVal, NVal, Node], NVal]] = {
    (1, 1): _dot,
    (2, 1): _matvec,
    (1, 2): lambda p, x, m, node: _matvec(p, _transpose_val(m), x, node),  # x @ M = M.T @ x
}


def _elementwise(func: str) -> Callable[[NumbaPrinter, Call], NVal]:
    def rule(p: NumbaPrinter, node: Call) -> NVal:
        args = [p.value(a) for a in node.args]
        shaped = [a for a in args if a.rank]
        if not shaped:
            return p.scalar(f"{func}({', '.join(a.code for a in args)})", node)
        if any(a.dims != shaped[0].dims for a in shaped) or shaped[0].rank != 1:
            raise PrintError(f"{func} of a matrix or of mixed sizes is not printed per example: {to_text(node)}")
        code = f"{func}({', '.join(a.at('i') for a in args)})"
        return p.materialize(lambda row: [f"for i in range({shaped[0].dims[0]}):", f"    {row}, i] = {code}"],
                             shaped[0].dims, node, code)

    return rule


def _outer(p: NumbaPrinter, node: Call) -> NVal:
    a, b = (p.value(x) for x in node.args)
    if a.rank != 1 or b.rank != 1:
        raise PrintError("outer takes two vectors")
    return p.lazy(f"({a.code} * {b.code.replace('{0}', '{1}')})", (a.dims[0], b.dims[0]))


CALL_RULES: dict[str, Callable[[NumbaPrinter, Call], NVal]] = {
    "exp": _elementwise("math.exp"),
    "log": _elementwise("math.log"),
    "tanh": _elementwise("math.tanh"),
    "logaddexp": _elementwise("np.logaddexp"),
    "outer": _outer,
}

NODE_RULES: dict[type, Callable[[NumbaPrinter, Node], NVal]] = {
    Name: NumbaPrinter.name,
    Number: NumbaPrinter.number,
    Unary: NumbaPrinter.unary,
    Binary: NumbaPrinter.binary,
    Call: NumbaPrinter.call,
    Transpose: NumbaPrinter.transpose,
}


SPECIAL_FORMS: list[tuple[Callable[[Node], bool], Callable[[NumbaPrinter, Node], NVal]]] = [
    (is_ones_matmul, NumbaPrinter.ones_matmul),
]
