"""Syntax tree -> typed :class:`Tensor` in SymPy index notation, checking every shape.

A :class:`Scope` holds what names mean in one derivation file: declared arrays (SymPy
``IndexedBase``), scalars, indices, index lists and tables of them, sizes, and definitions
(lowered on first use; definitions with parameters are macros, lowered at each call). Scoping
is lexical: a definition's formula sees the file's names and its own parameters, never the
names bound where it is used. A macro's parameter may be bound to a function (another macro,
or an elementwise built-in): :class:`FunctionArg`. ``grad(J, theta)`` for an intermediate
``theta`` of the ``[let]`` table differentiates J with theta held as a variable of its own
(:func:`_through`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..derivation.document import Declaration, Definition, Derivation, Formula
from ..language.errors import FormulaError
from ..language.syntax import (
    Binary,
    Call,
    Compare,
    Indicator,
    Name,
    Node,
    Number,
    Slice,
    Span,
    Subscript,
    Transpose,
    Unary,
    walk,
)
from . import ops
from .assumptions import SIGNS, Assumptions
from .gradient import gradient, jacobian
from .tensor import Index, IndexList, IndexTable, Size, Target, Tensor, index_symbol, shape_text, size_symbol


@dataclass(frozen=True)
class FunctionArg:
    """A macro's parameter bound to a function: a macro of the file (``definition``) or one of
    the built-ins of ``FUNCTION_ARGS`` (``definition`` None), called by ``name``."""

    name: str
    definition: Definition | None


Value = Tensor | Index | IndexList | IndexTable | Size | FunctionArg
# Built-ins that may be passed to a macro as a function: one argument, a value.
FUNCTION_ARGS = frozenset({*ops.ELEMENTWISE, "softmax"})


class LoweringError(FormulaError):
    """A FormulaError tied to the formula (definition or claim field) it occurred in."""

    def __init__(self, err: FormulaError, formula: Formula):
        super().__init__(err.message, err.span)
        self.formula = formula


def declare(decl: Declaration, columns: bool = False) -> Value:
    """The SymPy object behind a declared name; under the columns convention a vector is a
    column (n×1)."""
    sizes = tuple(size_symbol(s) for s in decl.sizes)
    if decl.kind == "scalar":
        sym = sp.Symbol(decl.name, real=True)
        return Tensor((), lambda idx: sym, Target(sym))
    if decl.kind in ("vector", "matrix"):
        base = sp.IndexedBase(decl.name, real=True)
        array = Tensor(sizes, lambda idx: base[idx], Target.whole(base, len(sizes)))
        return array.oriented("column") if columns and decl.kind == "vector" else array
    if decl.kind == "index":
        return Index(index_symbol(decl.name), sizes[0])
    if len(sizes) == 3:
        return IndexTable(sp.IndexedBase(decl.name, integer=True), *sizes)
    return IndexList(sp.IndexedBase(decl.name, integer=True), sizes[0], sizes[1])


@dataclass
class Scope:
    names: dict[str, Value | Definition] = field(default_factory=dict)
    lowered: dict[str, Value] = field(default_factory=dict)
    columns: bool = False  # convention = "columns": vectors are columns, u.T is a row
    root: Scope | None = None  # the file's scope, where definitions are lowered; None: this one

    @classmethod
    def of(cls, derivation: Derivation) -> Scope:
        columns = derivation.convention == "columns"
        names: dict[str, Value | Definition] = {}
        for decl in derivation.symbols.values():
            for s in decl.sizes:
                names.setdefault(s, Size(size_symbol(s)))
        for decl in derivation.symbols.values():
            names[decl.name] = declare(decl, columns)
        names.update(derivation.definitions)
        return cls(names, columns=columns)

    @property
    def top(self) -> Scope:
        return self.root or self

    def child(self, bindings: dict[str, Value]) -> Scope:
        return Scope({**self.names, **bindings}, {}, self.columns, self.top)

    def holding(self, name: str, value: Value) -> Scope:
        """This scope with ``name`` bound to ``value`` everywhere, inside definitions too."""
        top = Scope({**self.top.names, name: value}, {}, self.columns)
        return top if self.root is None else Scope({**self.names, name: value}, {}, self.columns, top)

    def as_convention(self, x: Tensor) -> Tensor:
        """A vector built by a function (onehot, ones, zeros) as the convention has vectors."""
        return x.oriented("column") if self.columns else x


class Lowerer:
    def __init__(self, scope: Scope):
        self.scope = scope

    def formula(self, formula: Formula) -> Value:
        try:
            return self.lower(formula.tree)
        except LoweringError:
            raise
        except FormulaError as err:
            raise LoweringError(err, formula) from None

    def tensor(self, node: Node) -> Tensor:
        value = self.lower(node)
        if isinstance(value, Index) and not value.value.is_Integer:
            # Checking relies on indices being labels (relabelling a range changes nothing), so
            # arithmetic or an order on them (o - w, [o > w]) would make instances miss cases.
            raise FormulaError(
                "an index is a label, not a number: use it to index an array, compare it with == "
                "or !=, or count it",
                node.span,
            )
        if isinstance(value, Index):
            return ops.constant(value.value)
        if isinstance(value, Size):
            return ops.constant(value.symbol)
        if not isinstance(value, Tensor):
            raise FormulaError(
                f"expected a number, vector or matrix here, not {_kind(value)}", node.span
            )
        return value

    def index(self, node: Node) -> Index | IndexList:
        value = self.lower(node)
        if isinstance(value, Index | IndexList):
            return value
        if isinstance(value, Tensor) and not value.shape:
            number = value.scalar()
            if number.is_Integer and number >= 0:
                return Index(number, None)
        raise FormulaError(f"expected an index here, not {_kind(value)}", node.span)

    def lower(self, node: Node) -> Value:
        handler = NODE_RULES.get(type(node))
        if handler is None:
            raise FormulaError(f"unsupported syntax {type(node).__name__}", node.span)
        return handler(self, node)

    # -- names ------------------------------------------------------------------------------

    def name(self, node: Name) -> Value:
        if node.id in self.scope.lowered:
            return self.scope.lowered[node.id]
        entry = self.scope.names.get(node.id)
        if entry is None:
            hint = " (it is a function; call it)" if node.id in CALLS else ""
            raise FormulaError(f"undeclared name {node.id!r}{hint}", node.span)
        if isinstance(entry, Definition):
            if entry.params:
                raise FormulaError(
                    f"{node.id} takes arguments: {node.id}({', '.join(entry.params)})", node.span
                )
            top = self.scope.top
            if node.id not in top.lowered:
                top.lowered[node.id] = Lowerer(top.child({})).formula(entry.formula)
            return top.lowered[node.id]
        if isinstance(entry, FunctionArg):
            raise FormulaError(
                f"{node.id} stands for the function {entry.name} here; call it: {node.id}(...)", node.span
            )
        return entry

    def macro(self, node: Call, definition: Definition) -> Value:
        if len(node.args) != len(definition.params):
            name = _stands_for(node.func, FunctionArg(definition.name, definition))
            raise FormulaError(
                f"{name} takes {len(definition.params)} argument(s), got {len(node.args)}", node.span
            )
        bindings = {p: self.argument(a) for p, a in zip(definition.params, node.args, strict=True)}
        return Lowerer(self.scope.top.child(bindings)).formula(definition.formula)

    def argument(self, node: Node) -> Value:
        """A macro's argument: a value, or a function when it names a macro (``J_neg``), a
        function parameter, or a built-in of ``FUNCTION_ARGS`` (``sigma``)."""
        if isinstance(node, Name):
            entry = self.scope.names.get(node.id)
            if isinstance(entry, FunctionArg):
                return entry
            if isinstance(entry, Definition) and entry.params:
                return FunctionArg(node.id, entry)
            if entry is None and node.id in FUNCTION_ARGS:
                return FunctionArg(node.id, None)
            if entry is None and node.id in CALLS:
                raise FormulaError(
                    f"{node.id} cannot be passed as a function; a macro of the file or one of "
                    f"{', '.join(sorted(FUNCTION_ARGS))} can",
                    node.span,
                )
        return self.lower(node)


def _stands_for(name: str, function: FunctionArg) -> str:
    return name if name == function.name else f"{name} (standing for {function.name})"


def _kind(value: object) -> str:
    match value:
        case Tensor(shape=shape):
            return f"a {shape_text(shape)} value"
        case Index():
            return "an index"
        case IndexList():
            return "an index list"
        case IndexTable():
            return "a table of index lists (take a row: wss[m])"
        case FunctionArg():
            return f"the function {value.name}"
        case Size():
            return "a size"
    return type(value).__name__


# ---- node rules -------------------------------------------------------------------------------


def _number(lw: Lowerer, node: Number) -> Value:
    return ops.constant(sp.Rational(node.value.numerator, node.value.denominator))


def _unary(lw: Lowerer, node: Unary) -> Value:
    x = lw.tensor(node.operand)
    return ops.elementwise(lambda e: -e, x) if node.op == "-" else x


def _binary(lw: Lowerer, node: Binary) -> Value:
    a, b = lw.tensor(node.left), lw.tensor(node.right)
    if node.op == "@":
        return ops.matmul(a, b, node.span)
    return ops.arithmetic(node.op, a, b, node.span)


def _subscript(lw: Lowerer, node: Subscript) -> Value:
    base = lw.lower(node.base)
    keys = [ops.WHOLE if isinstance(k, Slice) else lw.index(k) for k in node.indices]
    if isinstance(base, IndexTable):
        base, keys = _row(base, keys, node.span), keys[1:]
        if not keys:
            return base
    if isinstance(base, IndexList):
        if len(keys) != 1 or not isinstance(keys[0], Index):
            raise FormulaError("an index list takes one index: ws[k]", node.span)
        assert isinstance(keys[0], Index)
        ops.check_index(keys[0], base.length, node.span, str(base.base))
        return Index(base.entry(keys[0].value), base.size)
    if not isinstance(base, Tensor):
        raise FormulaError(f"cannot index {_kind(base)}", node.span)
    return ops.subscript(base, keys, node.span, lw.scope.columns)


def _row(table: IndexTable, keys: list[Index | IndexList], span: Span) -> IndexList:
    """``wss[m]`` (then ``wss[m, k]`` is ``wss[m][k]``): row m, a list of ``table.length``."""
    if len(keys) > 2 or not isinstance(keys[0], Index):
        raise FormulaError("a table of index lists takes a row wss[m] or an entry wss[m, k]", span)
    ops.check_index(keys[0], table.rows, span, str(table.base))
    return table.row(keys[0].value)


def _transpose(lw: Lowerer, node: Transpose) -> Value:
    return ops.transpose(lw.tensor(node.operand))


COMPARE_RULES: dict[str, Callable[[sp.Expr, sp.Expr], sp.Basic]] = {
    "<": sp.StrictLessThan,
    "<=": sp.LessThan,
    ">": sp.StrictGreaterThan,
    ">=": sp.GreaterThan,
}


def _indicator(lw: Lowerer, node: Indicator) -> Value:
    cond = node.condition
    if cond.op in ("==", "!="):
        a, b = lw.index(cond.left), lw.index(cond.right)
        if not isinstance(a, Index) or not isinstance(b, Index):
            raise FormulaError("[a == b] compares two indices", cond.span)
        delta = sp.KroneckerDelta(a.value, b.value)
        return ops.constant(delta if cond.op == "==" else 1 - delta)
    if cond.op in COMPARE_RULES:
        x, y = lw.tensor(cond.left), lw.tensor(cond.right)
        return ops.compare(COMPARE_RULES[cond.op], cond.op, x, y, cond.span)
    raise FormulaError(f"[a {cond.op} b] is not an indicator; use ==, !=, <, <=, >, >=", cond.span)


def _call(lw: Lowerer, node: Call) -> Value:
    entry = lw.scope.names.get(node.func)
    builtin = node.func
    if isinstance(entry, FunctionArg):
        if entry.definition is not None:
            return lw.macro(node, entry.definition)
        builtin = entry.name
    elif isinstance(entry, Definition):
        return lw.macro(node, entry)
    elif entry is not None:
        raise FormulaError(f"{node.func} is not a function: it is {_kind(entry)}", node.span)
    rule = CALLS.get(builtin)
    if rule is None:
        raise FormulaError(f"unknown function {node.func!r}", node.span)
    arity, apply = rule
    if len(node.args) != arity:
        name = _stands_for(node.func, FunctionArg(builtin, None))
        raise FormulaError(f"{name} takes {arity} argument(s), got {len(node.args)}", node.span)
    return apply(lw, node)


def _size(lw: Lowerer, node: Node) -> sp.Expr:
    value = lw.lower(node)
    if not isinstance(value, Size):
        raise FormulaError(f"expected a size name here, not {_kind(value)}", node.span)
    return value.symbol


def _sum(lw: Lowerer, node: Call) -> Value:
    binder_node, body_node = node.args
    size = None
    if isinstance(binder_node, Compare) and binder_node.op == "in":
        size = _size(lw, binder_node.right)
        binder_node = binder_node.left
    if not isinstance(binder_node, Name):
        raise FormulaError(
            "sum(k, body) or sum(k in K, body) binds a plain name k", binder_node.span
        )
    declared = lw.scope.names.get(binder_node.id)
    if isinstance(declared, Index) and not isinstance(declared.value, sp.Dummy):
        # rebinding a free index would silently change what the rest of the formula means
        raise FormulaError(
            f"sum({binder_node.id}, ...) binds {binder_node.id}, which is a declared index of the file; "
            "give the summation index another name",
            binder_node.span,
        )
    binder = Index(ops.fresh(binder_node.id), size)
    body = Lowerer(lw.scope.child({binder_node.id: binder})).tensor(body_node)
    if binder.size is None:
        raise FormulaError(
            f"cannot tell what {binder_node.id} ranges over; write sum({binder_node.id} in N, ...)",
            binder_node.span,
        )
    return ops.summation(binder, body)


def _elementwise(name: str) -> tuple[int, Callable[[Lowerer, Call], Value]]:
    return 1, lambda lw, node: ops.elementwise(ops.ELEMENTWISE[name], lw.tensor(node.args[0]))


def _onehot(lw: Lowerer, node: Call) -> Value:
    index = lw.index(node.args[0])
    if not isinstance(index, Index):
        raise FormulaError("onehot takes one index", node.args[0].span)
    return lw.scope.as_convention(ops.onehot(index, _size(lw, node.args[1]), node.span))


def _derivative(rule: Callable[[Tensor, Tensor, Span], Tensor]) -> tuple[int, Callable[[Lowerer, Call], Value]]:
    """grad or jacobian, refused when what it differentiates uses max(x), directly or through
    definitions (functions passed to macros included): max has no derivative here
    (:class:`~symw2v.symbolic.functions.maximum`). By an intermediate of ``[let]``: :func:`_through`."""

    def apply(lw: Lowerer, node: Call) -> Value:
        seen: set[str] = set()
        pending = [node.args[0]]
        while pending:
            for n in walk(pending.pop()):
                if isinstance(n, Call) and n.func == "max":
                    raise FormulaError(f"{node.func} cannot differentiate through max(...)", node.span)
                name = n.id if isinstance(n, Name) else n.func if isinstance(n, Call) else None
                entry = lw.scope.names.get(name) if name else None
                if isinstance(entry, FunctionArg):
                    entry = entry.definition
                if isinstance(entry, Definition) and entry.name not in seen:
                    seen.add(entry.name)
                    pending.append(entry.formula.tree)
        wrt = node.args[1]
        let = lw.scope.names.get(wrt.id) if isinstance(wrt, Name) else None
        if isinstance(let, Definition) and let.intermediate:
            return _through(lw, node, let, rule)
        return rule(lw.tensor(node.args[0]), lw.tensor(wrt), node.span)

    return 2, apply


def _through(lw: Lowerer, node: Call, let: Definition, rule: Callable[[Tensor, Tensor, Span], Tensor]) -> Tensor:
    """``grad(J, theta)`` for an intermediate ``theta = U @ v_c`` of ``[let]``: J is lowered with
    theta standing for an array (or scalar) of its own, differentiated by it, and theta's value
    substituted back. J must reach theta through its definitions: if it does not, that is an
    error, never a silent zero (the other occurrences of U and v_c are held fixed)."""
    value = lw.tensor(node.args[1])
    flat = value.flat()  # a column or row intermediate stands in by its entries, oriented as it is
    base = sp.IndexedBase(let.name, real=True) if flat.rank else sp.Symbol(let.name, real=True)
    standin = Tensor(flat.shape, lambda idx: base[idx] if idx else base, Target.whole(base, flat.rank))
    standin = standin.oriented(value.orientation) if value.orientation else standin
    f = Lowerer(lw.scope.holding(let.name, standin)).tensor(node.args[0])
    if not f.at(tuple(ops.fresh() for _ in f.shape)).has(base):
        raise FormulaError(
            f"{node.func} by the intermediate {let.name}: the expression does not depend on {let.name} "
            f"through its definitions; write it in terms of {let.name}",
            node.args[0].span,
        )
    found = rule(f, standin, node.span)

    def back(e: sp.Expr) -> sp.Expr:
        if not value.rank:
            return e.xreplace({base: value.scalar()})
        return e.replace(lambda x: isinstance(x, sp.Indexed) and x.base == base, lambda x: flat.at(x.indices))

    return Tensor(found.shape, lambda idx: back(found.at(idx)))


def _count(lw: Lowerer, node: Call) -> Value:
    lst, item = lw.lower(node.args[0]), lw.index(node.args[1])
    if not isinstance(lst, IndexList) or not isinstance(item, Index):
        raise FormulaError("count(ws, x) takes an index list and an index", node.span)
    return ops.count(lst, item, node.span)


CALLS: dict[str, tuple[int, Callable[[Lowerer, Call], Value]]] = {
    **{name: _elementwise(name) for name in ops.ELEMENTWISE},
    "softmax": (1, lambda lw, n: ops.softmax(lw.tensor(n.args[0]), n.span)),
    "outer": (2, lambda lw, n: ops.outer(lw.tensor(n.args[0]), lw.tensor(n.args[1]), n.span)),
    "logaddexp": (
        2,
        lambda lw, n: ops.logaddexp(lw.tensor(n.args[0]), lw.tensor(n.args[1]), n.span),
    ),
    "onehot": (2, _onehot),
    "ones": (1, lambda lw, n: lw.scope.as_convention(ops.filled(sp.S.One, (_size(lw, n.args[0]),)))),
    "zeros": (1, lambda lw, n: lw.scope.as_convention(ops.filled(sp.S.Zero, (_size(lw, n.args[0]),)))),
    "sum": (2, _sum),
    "grad": _derivative(gradient),
    "jacobian": _derivative(jacobian),
    "diag": (1, lambda lw, n: ops.diag(lw.tensor(n.args[0]), n.span)),
    "max": (1, lambda lw, n: ops.vector_max(lw.tensor(n.args[0]), n.span)),
    "count": (2, _count),
    "concat": (2, lambda lw, n: ops.concat(lw.tensor(n.args[0]), lw.tensor(n.args[1]), n.span)),
    "stack": (2, lambda lw, n: ops.stack(lw.tensor(n.args[0]), lw.tensor(n.args[1]), n.span, lw.scope.columns)),
}

NODE_RULES: dict[type, Callable] = {
    Name: Lowerer.name,
    Number: _number,
    Unary: _unary,
    Binary: _binary,
    Subscript: _subscript,
    Transpose: _transpose,
    Indicator: _indicator,
    Call: _call,
}


# ---- assumptions ------------------------------------------------------------------------------


def assumption(lw: Lowerer, formula: Formula) -> Assumptions:
    """One assumption or ``when`` condition -> :class:`Assumptions`: ``distinct(ws)`` (a list, a
    table, or a row ``wss[m]``), ``o not in ws`` and ``o in ws``, ``a != b`` and ``a == b``
    (indices), or a sign condition ``a > b`` (``>= < <=``) on two scalar expressions."""
    node = formula.tree
    try:
        if isinstance(node, Call) and node.func == "distinct" and len(node.args) == 1:
            lst = lw.lower(node.args[0])
            if isinstance(lst, IndexList | IndexTable):
                return Assumptions(distinct=frozenset({_ref(lst)}))
        if isinstance(node, Compare) and node.op in ("in", "not in"):
            item, lst = lw.index(node.left), lw.lower(node.right)
            if isinstance(item, Index) and isinstance(lst, IndexList | IndexTable):
                fact = frozenset({(item.value, _ref(lst))})
                return Assumptions(member=fact) if node.op == "in" else Assumptions(not_in=fact)
        if isinstance(node, Compare) and node.op in ("!=", "=="):
            a, b = lw.index(node.left), lw.index(node.right)
            if isinstance(a, Index) and isinstance(b, Index):
                if node.op == "==" and None not in (a.size, b.size) and a.size != b.size:
                    raise FormulaError(f"a == b assumes two indices of one range, not {a.size} and {b.size}", node.span)
                pair = frozenset({frozenset((a.value, b.value))})
                return Assumptions(unequal=pair) if node.op == "!=" else Assumptions(equal=pair)
        if isinstance(node, Compare) and node.op in SIGNS:
            return _sign_condition(lw, node)
        raise FormulaError(
            "an assumption is distinct(ws), o not in ws, o in ws, a != b or a == b (indices), "
            "or a sign condition a > b, a >= b, a < b, a <= b (scalar expressions)",
            node.span,
        )
    except FormulaError as err:
        raise LoweringError(err, formula) from None


def _ref(lst: IndexList | IndexTable):
    return lst.base if isinstance(lst, IndexTable) else lst.ref


def _sign_condition(lw: Lowerer, node: Compare) -> Assumptions:
    """``a op b`` for scalar expressions a and b: kept as ``a - b op 0``; a declared scalar
    against 0 (``x > 0``) also gives that symbol its sign."""
    a, b = lw.tensor(node.left), lw.tensor(node.right)
    if a.shape or b.shape:
        raise FormulaError(
            f"a sign condition compares two scalars, not {shape_text(a.shape)} and {shape_text(b.shape)}", node.span
        )
    gap = a.scalar() - b.scalar()
    if gap.is_number:
        raise FormulaError("a sign condition needs an expression with a value to compare, not numbers", node.span)
    facts = Assumptions(bounds=frozenset({(gap, node.op)}))
    if isinstance(node.right, Number) and node.right.value == 0 and isinstance(a.target, Target):
        if isinstance(a.target.base, sp.Symbol):
            facts = facts.merge(Assumptions(signs=frozenset({(a.target.base, node.op)})))
    return facts
