"""Closed-form syntax tree -> batched NumPy statements (one printer class per output target).

The printer walks a syntax tree of the formula language (after definitions were inlined,
kernel parameters bound and proved rewrites applied) and emits one statement per operation,
``tN = <numpy code>  # <formula it computes>``. Identical code is emitted once (common
subexpressions are shared between the loss and all gradients of a kernel). Once the kernel's
body is complete, :meth:`NumPyPrinter.reuse_dead` lets an elementwise statement write into the
buffer of an operand temporary that no later line reads (``np.exp(t5, out=t5)``).

Every value carries its per-example rank and whether it has a leading batch axis; the rules
below are tables keyed by node type, operator, function name and, for ``@``, by the ranks and
batch flags of both operands. Softmax and sigma have *no* rule: they must have been rewritten
by a proved stability claim first, and printing refuses otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..language.printer import to_text
from ..language.syntax import Binary, Call, Name, Node, Number, Subscript, Transpose, Unary


class PrintError(ValueError):
    pass


@dataclass(frozen=True)
class Val:
    code: str  # a name or an atom: safe as an operand anywhere
    rank: int  # per-example rank (0 scalar, 1 vector, 2 matrix)
    batched: bool  # has a leading batch axis
    index: bool = False  # an integer index (or a batch of them)


def _broadcast(v: Val, rank: int) -> str:
    """A batched value of lower rank gets trailing new axes so that it lines up with ``rank``."""
    if v.batched and v.rank < rank:
        return f"{v.code}[:, {', '.join(['None'] * (rank - v.rank))}]"
    return v.code


@dataclass(frozen=True)
class Elementwise:
    """How a temporary can also be written into one of its operands' buffers: ``func(*args, out=x)``
    for an operand x among ``candidates`` (temporaries of the result's own shape)."""

    func: str
    args: tuple[str, ...]
    candidates: tuple[str, ...]


_ASSIGN = re.compile(r"^(\s*)(\w+) = (.*)$")
_TEMP = re.compile(r"\bt\d+\b")


def _number(value) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return repr(value.numerator / value.denominator)


class NumPyPrinter:
    """Prints statements for one kernel; ``env`` maps parameter names to their :class:`Val`."""

    def __init__(self, env: dict[str, Val]):
        self.env = dict(env)
        self.lines: list[str] = []
        self.memo: dict[str, Val] = {}
        self.count = 0
        self.elementwise: dict[str, Elementwise] = {}
        self.views: set[str] = set()  # temporaries that are, or have, a view sharing their buffer

    # -- statements -----------------------------------------------------------------------

    def temp(self, code: str, rank: int, batched: bool, node: Node | None, index: bool = False,
             func: str | None = None, operands: tuple[tuple[str, Val | None], ...] = ()) -> Val:
        """``tN = code``; with ``func``, code is ``func`` applied to ``operands`` (their codes as
        passed, and their values), so the statement may reuse the buffer of a dead operand."""
        if code in self.memo:
            return self.memo[code]
        self.count += 1
        name = f"t{self.count}"
        comment = f"  # {to_text(node)}" if node is not None else ""
        self.lines.append(f"{name} = {code}{comment}")
        val = Val(name, rank, batched, index)
        self.memo[code] = val
        if func is not None:
            # an operand's buffer can hold the result when it is a float temporary of the result's shape
            candidates = tuple(arg for arg, v in operands if v is not None and arg == v.code
                               and v.rank == rank and v.batched == batched and not v.index
                               and _TEMP.fullmatch(v.code) and v.code not in self.env)
            self.elementwise[name] = Elementwise(func, tuple(arg for arg, _ in operands), candidates)
        return val

    def reuse_dead(self, lines: list[str]) -> list[str]:
        """``lines`` (this kernel's statements with whatever the caller added: output assignments,
        the loss block, the return) with each elementwise statement written into the buffer of an
        operand temporary that no later line reads: ``t6 = np.exp(t5, out=t5)``. A temporary that an
        output names (``g_vc = t14``) is never overwritten. Saves one (B, ...) allocation and its
        page faults per statement: naive softmax at B=64, V=10,000 allocates one (B, V) array instead
        of five."""
        code = [line.split("  # ", 1)[0] for line in lines]
        last: dict[str, int] = {}
        aliased: set[str] = set()
        for n, text in enumerate(code):
            m = _ASSIGN.match(text)
            rhs = m.group(3) if m else text
            for t in _TEMP.findall(rhs):
                last[t] = n
            if m and _TEMP.fullmatch(rhs.strip()):
                aliased.add(rhs.strip())
        aliased |= self.views
        out = list(lines)
        for n, text in enumerate(code):
            m = _ASSIGN.match(text)
            spec = self.elementwise.get(m.group(2)) if m else None
            if spec is None:
                continue
            for cand in spec.candidates:
                if cand not in aliased and last.get(cand) == n:
                    comment = lines[n][len(text):]
                    out[n] = f"{m.group(1)}{m.group(2)} = {spec.func}({', '.join(spec.args)}, out={cand}){comment}"
                    break
        return out

    def assign(self, name: str, val: Val) -> None:
        self.lines.append(f"{name} = {val.code}")

    # -- dispatch -------------------------------------------------------------------------

    def value(self, node: Node) -> Val:
        for matches, rule in SPECIAL_FORMS:
            if matches(node):
                return rule(self, node)
        rule = NODE_RULES.get(type(node))
        if rule is None:
            raise PrintError(f"no NumPy rule for {type(node).__name__}: {to_text(node)}")
        return rule(self, node)

    def batch_sum(self, node: Node) -> Val:
        """The sum over the batch axis of ``node`` (for gradients of shared parameters)."""
        if isinstance(node, Call) and node.func == "outer":
            a, b = (self.value(x) for x in node.args)
            if a.batched and b.batched and a.rank == b.rank == 1:
                return self.temp(f"{a.code}.T @ {b.code}", 2, False, node)
        v = self.value(node)
        return self.temp(f"{v.code}.sum(axis=0)", v.rank, False, node) if v.batched else v

    # -- node rules -----------------------------------------------------------------------

    def name(self, node: Name) -> Val:
        if node.id not in self.env:
            raise PrintError(f"{node.id!r} is not a parameter of this kernel")
        return self.env[node.id]

    def number(self, node: Number) -> Val:
        text = _number(node.value)
        return Val(f"({text})" if text.startswith("-") else text, 0, False)

    def unary(self, node: Unary) -> Val:
        v = self.value(node.operand)
        if node.op == "+":
            return v
        return self.temp(f"-{v.code}", v.rank, v.batched, node, func="np.negative", operands=((v.code, v),))

    def binary(self, node: Binary) -> Val:
        if node.op == "@":
            return self.matmul(node)
        a, b = self.value(node.left), self.value(node.right)
        if node.op == "**" and b.rank:
            raise PrintError("the exponent of ** must be a scalar")
        rank = max(a.rank, b.rank)
        left, right = _broadcast(a, rank), _broadcast(b, rank)
        code = f"{left} {ARITHMETIC[node.op]} {right}"
        return self.temp(code, rank, a.batched or b.batched, node, func=UFUNCS[node.op],
                         operands=((left, a), (right, b)))

    def matmul(self, node: Binary) -> Val:
        a, b = self.value(node.left), self.value(node.right)
        key = (a.rank, a.batched, b.rank, b.batched)
        rule = MATMUL_RULES.get(key)
        if rule is None:
            raise PrintError(f"no @ rule for ranks/batch {key}: {to_text(node)}")
        code, rank = rule(a.code, b.code)
        return self.temp(code, rank, a.batched or b.batched, node)

    def call(self, node: Call) -> Val:
        rule = CALL_RULES.get(node.func)
        if rule is None:
            hint = STABILITY_HINTS.get(node.func, "")
            raise PrintError(f"no NumPy rule for {node.func}(...){hint}: {to_text(node)}")
        return rule(self, node)

    def subscript(self, node: Subscript) -> Val:
        x = self.value(node.base)
        keys = [self.value(k) for k in node.indices]
        if len(keys) != 1 or not keys[0].index or x.rank < 1:
            raise PrintError(f"only x[i] with one index is printed: {to_text(node)}")
        i = keys[0]
        if x.batched and i.batched:
            code = f"rt.pick({x.code}, {i.code})"
        else:
            code = f"{x.code}[:, {i.code}]" if x.batched else f"{x.code}[{i.code}]"
            view = self.temp(code, x.rank - 1, x.batched or i.batched, node)
            self.views |= {x.code, view.code}  # basic indexing: the two share one buffer
            return view
        return self.temp(code, x.rank - 1, x.batched or i.batched, node)

    def transpose(self, node: Transpose) -> Val:
        v = self.value(node.operand)
        if v.rank < 2:
            return v
        return Val(f"np.swapaxes({v.code}, -1, -2)" if v.batched else _t(v.code), v.rank, v.batched)

    # -- special forms --------------------------------------------------------------------

    def minus_onehot(self, node: Binary) -> Val:
        x = self.value(node.left)
        i = self.value(node.right.args[0])
        if x.rank != 1:
            raise PrintError("x - onehot(i, n) needs a vector x")
        return self.temp(f"rt.minus_onehot({x.code}, {i.code})", 1, x.batched or i.batched, node,
                         func="rt.minus_onehot", operands=((x.code, x), (i.code, None)))

    def ones_matmul(self, node: Binary) -> Val:
        x = self.value(node.right)
        if x.rank != 1:
            raise PrintError("ones(n) @ X is printed for vectors X")
        return self.temp(f"{x.code}.sum(axis=-1)", 0, x.batched, node)


def _t(code: str) -> str:
    return code[:-2] if code.endswith(".T") else f"{code}.T"


ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**"}
UFUNCS = {"+": "np.add", "-": "np.subtract", "*": "np.multiply", "/": "np.divide", "**": "np.power"}

# (rank a, a batched, rank b, b batched) -> (code, result rank). Batch axis b; vectors as in the
# language (no orientation). An unbatched matrix meets a batch of vectors through one BLAS product;
# a batch of matrices meets a batch of vectors through rt.matvec / rt.vecmat (stacked matmul or
# einsum, whichever is faster at that dtype and batch size, measured).
MATMUL_RULES: dict[tuple[int, bool, int, bool], Callable[[str, str], tuple[str, int]]] = {
    (1, False, 1, False): lambda a, b: (f"{a} @ {b}", 0),
    (1, True, 1, True): lambda a, b: (f"np.einsum('bi,bi->b', {a}, {b})", 0),
    (1, True, 1, False): lambda a, b: (f"{a} @ {b}", 0),
    (1, False, 1, True): lambda a, b: (f"{b} @ {a}", 0),
    (2, False, 1, False): lambda a, b: (f"{a} @ {b}", 1),
    (2, False, 1, True): lambda a, b: (f"{b} @ {_t(a)}", 1),
    (2, True, 1, True): lambda a, b: (f"rt.matvec({a}, {b})", 1),
    (2, True, 1, False): lambda a, b: (f"{a} @ {b}", 1),
    (1, True, 2, False): lambda a, b: (f"{a} @ {b}", 1),
    (1, True, 2, True): lambda a, b: (f"rt.vecmat({a}, {b})", 1),
    (1, False, 2, False): lambda a, b: (f"{a} @ {b}", 1),
    (2, False, 2, False): lambda a, b: (f"{a} @ {b}", 2),
}


def _elementwise(np_name: str) -> Callable[[NumPyPrinter, Call], Val]:
    def rule(p: NumPyPrinter, node: Call) -> Val:
        args = [p.value(a) for a in node.args]
        rank = max(a.rank for a in args)
        texts = [_broadcast(a, rank) for a in args]
        code = f"{np_name}({', '.join(texts)})"
        return p.temp(code, rank, any(a.batched for a in args), node, func=np_name,
                      operands=tuple(zip(texts, args, strict=True)))

    return rule


def _outer(p: NumPyPrinter, node: Call) -> Val:
    a, b = (p.value(x) for x in node.args)
    if a.rank != 1 or b.rank != 1:
        raise PrintError("outer takes two vectors")
    code = f"{a.code}[..., :, None] * {b.code}[..., None, :]"
    return p.temp(code, 2, a.batched or b.batched, node)


def _max(p: NumPyPrinter, node: Call) -> Val:
    x = p.value(node.args[0])
    if x.rank != 1:
        raise PrintError("the shift max(x) is taken over a vector")
    return p.temp(f"np.max({x.code}, axis=-1)", 0, x.batched, node)


CALL_RULES: dict[str, Callable[[NumPyPrinter, Call], Val]] = {
    "exp": _elementwise("np.exp"),
    "log": _elementwise("np.log"),
    "tanh": _elementwise("np.tanh"),
    "logaddexp": _elementwise("np.logaddexp"),
    "outer": _outer,
    "max": _max,  # only produced by the generator's choice of a free shift (see rewrite.py)
}

STABILITY_HINTS = {
    "softmax": " (needs the proved rewrite stability.toml:softmax.shift)",
    "sigma": " (needs the proved rewrite stability.toml:sigma.tanh)",
}

NODE_RULES: dict[type, Callable[[NumPyPrinter, Node], Val]] = {
    Name: NumPyPrinter.name,
    Number: NumPyPrinter.number,
    Unary: NumPyPrinter.unary,
    Binary: NumPyPrinter.binary,
    Call: NumPyPrinter.call,
    Subscript: NumPyPrinter.subscript,
    Transpose: NumPyPrinter.transpose,
}


def _is_call(node: Node, func: str) -> bool:
    return isinstance(node, Call) and node.func == func


def is_ones_matmul(node: Node) -> bool:
    """``ones(n) @ x``: a sum, printed as one (both targets)."""
    return isinstance(node, Binary) and node.op == "@" and _is_call(node.left, "ones")


# (predicate, rule), tried before NODE_RULES: forms with a cheaper NumPy spelling than their parts.
SPECIAL_FORMS: list[tuple[Callable[[Node], bool], Callable[[NumPyPrinter, Node], Val]]] = [
    (
        lambda n: isinstance(n, Binary) and n.op == "-" and _is_call(n.right, "onehot"),
        NumPyPrinter.minus_onehot,
    ),
    (is_ones_matmul, NumPyPrinter.ones_matmul),
]
