"""The rule table: for each operation, its shape rule and its component rule, side by side.

Every user-facing operation is a thin wrapper over one primitive, :func:`tensor_map`, that
builds a tensor of a given shape from a rule for its components (as HIPS autograd builds its
operators over one primitive). Shapes are checked eagerly, when a formula is lowered;
components are produced lazily, only when a verdict needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..language.errors import FormulaError
from ..language.syntax import Span
from .functions import indicator, maximum, relu, sigma
from .tensor import Axis, Index, IndexList, Tensor, shape_text

Shape = tuple[sp.Expr, ...]


def fresh(name: str = "j") -> sp.Dummy:
    return sp.Dummy(name, integer=True, nonnegative=True)


def tensor_map(shape: Shape, rule: Callable[[Shape], sp.Expr]) -> Tensor:
    """The one primitive: a tensor of ``shape`` whose component at ``idx`` is ``rule(idx)``."""
    return Tensor(tuple(shape), rule)


def constant(value: sp.Expr) -> Tensor:
    return tensor_map((), lambda idx: sp.sympify(value))


# ---- elementwise scalar functions -------------------------------------------------------

ELEMENTWISE: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sigma": sigma,
    "relu": relu,
    "tanh": sp.tanh,
}


def elementwise(f: Callable[[sp.Expr], sp.Expr], x: Tensor) -> Tensor:
    return tensor_map(x.shape, lambda idx: f(x.at(idx)))


# ---- arithmetic with scalar broadcasting ---------------------------------------------------

ARITHMETIC: dict[str, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def arithmetic(op: str, a: Tensor, b: Tensor, span: Span) -> Tensor:
    """Elementwise ``a op b``; a scalar operand broadcasts. ``**`` needs a scalar exponent
    within the limits of :func:`check_power`."""
    if op == "**" and b.shape:
        raise FormulaError(f"the exponent of ** must be a scalar, not {shape_text(b.shape)}", span)
    if op == "**":
        check_power(a, b.scalar(), span)
    return broadcast(ARITHMETIC[op], op, a, b, span)


def broadcast(f: Callable[[sp.Expr, sp.Expr], sp.Expr], op: str, a: Tensor, b: Tensor, span: Span) -> Tensor:
    """``f`` of same-shape ``a`` and ``b`` component by component (so ``*`` of two vectors is
    their Hadamard product); a scalar operand broadcasts."""
    if a.shape and b.shape and a.shape != b.shape:
        raise FormulaError(
            f"shape mismatch: {shape_text(a.shape)} {op} {shape_text(b.shape)}"
            + _transpose_hint(a.shape, b.shape),
            span,
        )
    return tensor_map(
        a.shape or b.shape, lambda idx: f(a.at(idx if a.shape else ()), b.at(idx if b.shape else ()))
    )


def compare(relation: Callable[[sp.Expr, sp.Expr], sp.Basic], op: str, a: Tensor, b: Tensor, span: Span) -> Tensor:
    """``[a > b]`` and the like, componentwise with broadcasting: 1 where it holds, else 0
    (``[x @ W + b1 > 0]`` is the vector of ReLU derivatives)."""
    return broadcast(lambda x, y: indicator(relation, x, y), op, a, b, span)


# Real derivations raise to 2 or -1; SymPy computes a power of numbers at once, so 2**10**10
# must be refused before it is built.
MAX_EXPONENT = 100  # for |numerator| and denominator of a number exponent
MAX_POWER_BITS = 10_000  # of a number raised to a number


def check_power(base: Tensor, exponent: sp.Expr, span: Span) -> None:
    """Refuse a power SymPy could not build in reasonable time: an exponent that depends on a
    size or an index (2**(V*V*V*V) is huge at an instance), a number exponent beyond
    ``MAX_EXPONENT`` (also combined with a power in the base: (x**50)**50), or a power of
    numbers larger than ``MAX_POWER_BITS`` bits."""
    if any(s.is_integer for s in exponent.free_symbols):
        raise FormulaError("the exponent of ** may not depend on a size or an index", span)
    if not exponent.is_Rational:
        return
    value = base.at(tuple(fresh() for _ in base.shape))
    total = exponent * value.exp if value.is_Pow and value.exp.is_Rational else exponent
    if abs(total.p) > MAX_EXPONENT or total.q > MAX_EXPONENT:
        raise FormulaError(
            f"the exponent {_digits(total)} is beyond the limit (numerator and denominator at most {MAX_EXPONENT})",
            span,
        )
    if value.is_Rational and (abs(value.p).bit_length() + value.q.bit_length()) * abs(exponent) > MAX_POWER_BITS:
        raise FormulaError(f"the power of numbers has more than {MAX_POWER_BITS:,} bits", span)


def _digits(x: sp.Rational) -> str:
    text = str(x)
    return text if len(text) <= 24 else f"{text[:12]}… ({len(text)} characters)"


def _transpose_hint(a: Shape, b: Shape) -> str:
    return " (one is the transpose of the other)" if len(a) == 2 and a == b[::-1] else ""


def matmul(a: Tensor, b: Tensor, span: Span) -> Tensor:
    """``@`` with NumPy's rules for ranks 1 and 2 (under rows, vectors have no orientation).
    A row times a column (``u.T @ v``, 1×1) is the scalar it denotes."""
    if not a.shape or not b.shape:
        raise FormulaError("@ needs vectors or matrices; use * with a scalar", span)
    inner = a.shape[-1]
    if inner != b.shape[0]:
        raise FormulaError(
            f"shape mismatch: {shape_text(a.shape)} @ {shape_text(b.shape)}: inner sizes "
            f"{inner} and {b.shape[0]} differ" + _orientation_hint(a, b),
            span,
        )
    shape = a.shape[:-1] + b.shape[1:]
    na = len(a.shape) - 1

    def rule(idx: Shape) -> sp.Expr:
        if inner == 1:  # an outer product: no sum over a single term
            return a.at(idx[:na] + (sp.S.Zero,)) * b.at((sp.S.Zero,) + idx[na:])
        j = fresh()
        return sp.Sum(a.at(idx[:na] + (j,)) * b.at((j,) + idx[na:]), (j, 0, inner - 1))

    if shape == (1, 1):
        return tensor_map((), lambda idx: rule((sp.S.Zero, sp.S.Zero)))
    return tensor_map(shape, rule)


def _orientation_hint(a: Tensor, b: Tensor) -> str:
    if a.orientation == b.orientation == "column" and a.shape == b.shape:
        return " (two columns: u.T @ v is their scalar product, u @ v.T their outer product)"
    if a.orientation == b.orientation == "row" and a.shape == b.shape:
        return " (two rows: u @ v.T is their scalar product)"
    return ""


def transpose(x: Tensor) -> Tensor:
    """x.T; a declared array stays one (``grad(J, U[o].T)`` is the column u_o under columns)."""
    if x.rank < 2:
        return x  # vectors have no orientation under rows: u.T @ v is u @ v
    target = x.target.moved({0: Axis(1), 1: Axis(0)}) if x.target else None
    return Tensor(x.shape[::-1], lambda idx: x.at(idx[::-1]), target)


# ---- functions with their own shape rules --------------------------------------------------


def vector_entries(x: Tensor, what: str, span: Span) -> Tensor:
    """The entries of a vector argument (a plain, column or row vector) as a plain vector."""
    v = x.flat()
    if v.rank != 1:
        raise FormulaError(f"{what} takes a vector, not {shape_text(x.shape)}", span)
    return v


def softmax(x: Tensor, span: Span) -> Tensor:
    """softmax of a vector, with the vector's orientation."""
    v = vector_entries(x, "softmax", span)

    def rule(idx: Shape) -> sp.Expr:
        j = fresh()
        return sp.exp(v.at(idx)) / sp.Sum(sp.exp(v.at((j,))), (j, 0, v.shape[0] - 1))

    out = tensor_map(v.shape, rule)
    return out.oriented(x.orientation) if x.orientation else out


def outer(a: Tensor, b: Tensor, span: Span) -> Tensor:
    """outer(a, b)[i, j] = a[i] b[j], whatever the orientation of a and b (u v^T)."""
    a, b = vector_entries(a, "outer", span), vector_entries(b, "outer", span)
    return tensor_map(a.shape + b.shape, lambda idx: a.at(idx[:1]) * b.at(idx[1:]))


def diag(v: Tensor, span: Span) -> Tensor:
    """diag(v)[i, j] = [i == j] v[i]: the n×n matrix with v on its diagonal."""
    v = vector_entries(v, "diag", span)
    return tensor_map(v.shape * 2, lambda idx: sp.KroneckerDelta(idx[0], idx[1]) * v.at(idx[:1]))


def vector_max(x: Tensor, span: Span) -> Tensor:
    """max(x) = max_j x[j], a scalar (see :class:`~symw2v.symbolic.functions.maximum`)."""
    x = vector_entries(x, "max", span)

    def value(idx: Shape) -> sp.Expr:
        # the bound index is named by nesting depth, so max(x) is one expression however often
        # it is lowered and an inner max keeps its own index
        probe = fresh()
        body = x.at((probe,))
        depth = max((_max_depth(m) for m in body.atoms(maximum)), default=0)
        return maximum(body.xreplace({probe: _max_index(depth)}), _max_index(depth), x.shape[0])

    return tensor_map((), value)


def _max_depth(m: maximum) -> int:
    return 1 + max((_max_depth(inner) for inner in m.args[0].atoms(maximum)), default=0)


_MAX_INDICES: dict[int, sp.Dummy] = {}


def _max_index(depth: int) -> sp.Dummy:
    return _MAX_INDICES.setdefault(depth, sp.Dummy(f"m{depth}", integer=True, nonnegative=True))


def count(lst: IndexList, x: Index, span: Span) -> Tensor:
    """count(ws, x) = sum_j [ws[j] == x]: how many entries of ws equal x."""
    check_index(x, lst.size, span, "count")
    j = fresh()
    return constant(sp.Sum(sp.KroneckerDelta(lst.entry(j), x.value), (j, 0, lst.length - 1)))


def concat(a: Tensor, b: Tensor, span: Span) -> Tensor:
    """concat(a, b)[i] = a[i] for i < n, b[i - n] after (n = len(a)); a scalar counts as a
    vector of one entry. Two columns (or rows) give a column (a row)."""
    kinds = {x.orientation for x in (a, b) if x.shape}
    if len(kinds) > 1 or any(x.rank > 1 and x.orientation is None for x in (a, b)):
        raise FormulaError(
            f"concat takes vectors of one orientation or scalars, not {shape_text(a.shape)} and {shape_text(b.shape)}",
            span,
        )
    a, b = (x.flat() if x.shape else _rows(x) for x in (a, b))
    out = _joined(a, b, (a.shape[0] + b.shape[0],))
    kind = kinds.pop() if kinds else None
    return out.oriented(kind) if kind else out


def stack(a: Tensor, b: Tensor, span: Span, columns: bool = False) -> Tensor:
    """stack(a, b): the vectors of a followed by those of b, as the convention lays vectors out.
    Under rows, a on top of b (a vector is one row: ``stack(u_o, -U[ws])`` is (K + 1)×d); under
    columns, a left of b (``stack(U[:, o], -U[:, ws])`` is d×(K + 1))."""
    if columns:
        return transpose(stack(transpose(a), transpose(b), span))
    if not 1 <= a.rank <= 2 or not 1 <= b.rank <= 2 or a.shape[-1] != b.shape[-1]:
        raise FormulaError(
            f"stack takes vectors or matrices of one row length, not {shape_text(a.shape)} and {shape_text(b.shape)}",
            span,
        )
    a, b = (x if x.rank == 2 else _rows(x) for x in (a, b))
    return _joined(a, b, (a.shape[0] + b.shape[0], a.shape[1]))


def _rows(x: Tensor) -> Tensor:
    """x as one row: a scalar becomes a vector of one entry, a vector a 1×n matrix."""
    return tensor_map((sp.S.One, *x.shape), lambda idx: x.at(idx[1:]))


def _joined(a: Tensor, b: Tensor, shape: Shape) -> Tensor:
    """a followed by b along the first axis."""
    n = a.shape[0]

    def rule(idx: Shape) -> sp.Expr:
        i, rest = idx[0], idx[1:]
        return sp.Piecewise((a.at((i, *rest)), sp.StrictLessThan(i, n)), (b.at((i - n, *rest)), True))

    return tensor_map(shape, rule)


def onehot(i: Index, size: sp.Expr, span: Span) -> Tensor:
    check_index(i, size, span, "onehot")
    return tensor_map((size,), lambda idx: sp.KroneckerDelta(idx[0], i.value))


def filled(value: sp.Expr, shape: Shape) -> Tensor:
    """``ones(n)``, ``zeros(n)``, ``zeros(m, n)``."""
    return tensor_map(shape, lambda idx: value)


def logaddexp(a: Tensor, b: Tensor, span: Span) -> Tensor:
    """log(exp(a) + exp(b)), elementwise."""
    total = arithmetic("+", elementwise(sp.exp, a), elementwise(sp.exp, b), span)
    return elementwise(sp.log, total)


def summation(binder: Index, body: Tensor) -> Tensor:
    """sum over ``binder`` in range(binder.size) of ``body`` (any shape)."""
    return tensor_map(
        body.shape, lambda idx: sp.Sum(body.at(idx), (binder.value, 0, binder.size - 1))
    )


def check_index(i: Index, size: sp.Expr, span: Span, what: str) -> None:
    """An index must range over the axis it indexes; a binder learns its range here."""
    if i.size is None:
        i.size = size
    elif i.size != size and not (i.value.is_Integer and 0 <= i.value):
        raise FormulaError(
            f"{what}: the index {i.value} ranges over {i.size}, but the axis has size {size}", span
        )


@dataclass(frozen=True)
class Whole:
    """``:`` in a subscript: the whole axis."""


WHOLE = Whole()
Key = Index | IndexList | Whole


def subscript(x: Tensor, keys: list[Key], span: Span, columns: bool = False) -> Tensor:
    """``x[i]`` (row), ``x[i, j]`` (element), ``x[ws]`` (gather rows ws[0..K-1]), ``x[:, i]``
    (column). One index into a column or row vector picks its entry (``u[i]``, ``u[ws]``).
    Under the columns convention a vector cut from a matrix is oriented as it lies in it:
    ``U[:, o]`` is a d×1 column, ``U[o]`` a 1×V row."""
    kind = x.orientation
    if kind is not None and len(keys) == 1 and not isinstance(keys[0], Whole):
        picked = _subscript(x.flat(), keys, span)
        return picked.oriented(kind) if picked.shape else picked
    picked = _subscript(x, keys, span)
    if columns and x.rank == 2 and picked.rank == 1:
        return picked.oriented("row" if isinstance(keys[0], Index) else "column")
    return picked


def _subscript(x: Tensor, keys: list[Key], span: Span) -> Tensor:
    if len(keys) > x.rank:
        raise FormulaError(f"too many indices for a {shape_text(x.shape)} value", span)
    shape: list[sp.Expr] = []
    view: dict[int, sp.Expr | Axis] = {}  # axis of x -> a fixed index or an axis of the result
    for pos, (key, size) in enumerate(zip(keys, x.shape, strict=False)):
        if isinstance(key, IndexList):
            if key.size != size:
                raise FormulaError(
                    f"the index list {key.base} ranges over {key.size}, but the axis has size {size}",
                    span,
                )
            shape.append(key.length)
        elif isinstance(key, Whole):
            view[pos] = Axis(len(shape))
            shape.append(size)
        else:
            check_index(key, size, span, "index")
            view[pos] = key.value
    for pos in range(len(keys), x.rank):
        view[pos] = Axis(len(shape))
        shape.append(x.shape[pos])

    def rule(idx: Shape) -> sp.Expr:
        it = iter(idx)
        picked = [
            key.entry(next(it)) if isinstance(key, IndexList) else next(it) if isinstance(key, Whole) else key.value
            for key in keys
        ]
        return x.at(tuple(picked) + tuple(it))

    gathered = any(isinstance(k, IndexList) for k in keys)
    target = x.target.moved(view) if x.target is not None and not gathered else None
    return Tensor(tuple(shape), rule, target)
