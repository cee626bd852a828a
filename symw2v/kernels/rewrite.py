"""Syntax-tree rewriting: inline definitions, bind kernel parameters, apply proved rewrites.

A rewrite is a claim ``lhs = ... = result`` of ``derivations/stability.toml`` read as a rule
``lhs -> result``. Its declared symbols are the pattern variables. Why a match is sound:

* scalar variables (``t``) match any subtree: those rules are built from elementwise
  operations only (checked by :func:`elementwise_only`), so an identity of scalars holds
  componentwise for arrays, and along the batch axis;
* a vector variable (``x``) sits where the language only admits a vector (``softmax(x)``);
* ``(-A) @ y = -(A @ y)`` is bilinear, so it holds for every rank ``@`` accepts;
* a scalar on the right that the left does not bind (the shift ``m``) was proved for *every*
  value, so the generator may choose it: ``m = max(x)`` (:data:`SHIFT_CHOICES`), which keeps
  every exponent at or below 0.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..derivation.document import Claim, Derivation
from ..language.syntax import Binary, Call, Name, Node, Number, Span, Subscript, Unary

SPAN = Span(0, 0)
ELEMENTWISE_CALLS = {"exp", "log", "tanh", "sigma", "logaddexp"}
MAX_PASSES = 200


def children(node: Node) -> list[tuple[str, Node | tuple]]:
    return [(f.name, getattr(node, f.name)) for f in fields(node) if f.name != "span"]


def map_children(node: Node, fn) -> Node:
    """``node`` with ``fn`` applied to every child node (tuples of nodes included)."""
    changes = {}
    for name, value in children(node):
        if isinstance(value, Node):
            new = fn(value)
            if new is not value:
                changes[name] = new
        elif isinstance(value, tuple) and value and isinstance(value[0], Node):
            new = tuple(fn(v) for v in value)
            if any(a is not b for a, b in zip(new, value, strict=True)):
                changes[name] = new
    return replace(node, **changes) if changes else node


def substitute(node: Node, table: dict[str, Node]) -> Node:
    if isinstance(node, Name) and node.id in table:
        return table[node.id]
    return map_children(node, lambda c: substitute(c, table))


def inline(node: Node, derivation: Derivation, depth: int = 0) -> Node:
    """Replace every defined name (and macro call) by its formula, recursively."""
    if depth > 50:
        raise ValueError("definitions nest too deeply (a cycle?)")
    defs = derivation.definitions
    if isinstance(node, Name) and node.id in defs and not defs[node.id].params:
        return inline(defs[node.id].formula.tree, derivation, depth + 1)
    if isinstance(node, Call) and node.func in defs and defs[node.func].params:
        d = defs[node.func]
        args = [inline(a, derivation, depth) for a in node.args]
        body = substitute(d.formula.tree, dict(zip(d.params, args, strict=True)))
        return inline(body, derivation, depth + 1)
    return map_children(node, lambda c: inline(c, derivation, depth))


def bind(node: Node, bindings: dict[Node, str]) -> Node:
    """Replace whole subtrees (``U[o]``, ``U[ws]``) by the kernel parameter that holds them."""
    if node in bindings:
        return Name(bindings[node], span=SPAN)
    return map_children(node, lambda c: bind(c, bindings))


# ---- rules --------------------------------------------------------------------------------


def _max_of(var: str):
    return lambda env: Call("max", (env[var],), span=SPAN)


# Free scalars of a proved shift identity, and the value the generator chooses for them.
SHIFT_CHOICES = {("softmax.shift", "m"): _max_of("x"), ("log_softmax.shift", "m"): _max_of("x")}


@dataclass(frozen=True)
class Rule:
    id: str  # "file:claim"
    claim: str
    lhs: Node
    rhs: Node
    variables: frozenset[str]

    def match(self, node: Node) -> dict[str, Node] | None:
        env: dict[str, Node] = {}
        return env if _match(self.lhs, node, self.variables, env) else None

    def apply(self, node: Node) -> Node | None:
        env = self.match(node)
        if env is None:
            return None
        for name in _names(self.rhs) & self.variables - env.keys():
            choose = SHIFT_CHOICES.get((self.claim, name))
            if choose is None:
                return None  # a free variable nobody chose: do not apply
            env[name] = choose(env)
        return substitute(self.rhs, env)


def _names(node: Node) -> set[str]:
    out = {node.id} if isinstance(node, Name) else set()
    for _, value in children(node):
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, Node):
                out |= _names(v)
    return out


def _match(pattern: Node, node: Node, variables: frozenset[str], env: dict[str, Node]) -> bool:
    if isinstance(pattern, Name) and pattern.id in variables:
        if pattern.id in env:
            return env[pattern.id] == node
        env[pattern.id] = node
        return True
    if type(pattern) is not type(node):
        return False
    for (_, p), (_, n) in zip(children(pattern), children(node), strict=True):
        if isinstance(p, Node):
            if not _match(p, n, variables, env):
                return False
        elif isinstance(p, tuple) and p and isinstance(p[0], Node):
            if len(p) != len(n) or not all(_match(a, b, variables, env) for a, b in zip(p, n, strict=True)):
                return False
        elif p != n:
            return False
    return True


def elementwise_only(node: Node, variables: set[str]) -> bool:
    """True when ``node`` uses only elementwise operations (no @, sums, indexing, softmax)."""
    match node:
        case Name():
            return node.id in variables
        case Number():
            return True
        case Unary(operand=x):
            return elementwise_only(x, variables)
        case Binary(op=op, left=a, right=b):
            return op != "@" and elementwise_only(a, variables) and elementwise_only(b, variables)
        case Call(func=f, args=args):
            return f in ELEMENTWISE_CALLS and all(elementwise_only(a, variables) for a in args)
    return False


def rules_from(derivation: Derivation, claims: list[Claim], name: str) -> dict[str, Rule]:
    """One rule per claim (its lhs -> its result). Scalar-only rules must be elementwise."""
    scalars = {n for n, d in derivation.symbols.items() if d.kind == "scalar"}
    variables = frozenset(derivation.symbols)
    out = {}
    for claim in claims:
        lhs, rhs = claim.lhs.tree, claim.result.tree
        used = _names(lhs) & variables
        if used <= scalars and not (elementwise_only(lhs, scalars) and elementwise_only(rhs, scalars)):
            raise ValueError(f"{name}:{claim.id}: a rule in scalars must be elementwise")
        out[claim.id] = Rule(f"{name}:{claim.id}", claim.id, lhs, rhs, variables)
    return out


@dataclass
class Rewriter:
    """Applies rules phase by phase, top-down, each phase to a fixpoint; records what fired."""

    phases: list[list[Rule]]
    used: set[str]

    def run(self, node: Node) -> Node:
        for phase in self.phases:
            node = self._phase(node, phase, [0])
        return node

    def _phase(self, node: Node, rules: list[Rule], count: list[int]) -> Node:
        while True:
            count[0] += 1
            if count[0] > MAX_PASSES * 100:
                raise RuntimeError("rewriting does not terminate")
            for rule in rules:
                new = rule.apply(node)
                if new is not None:
                    self.used.add(rule.id)
                    node = new
                    break
            else:
                new = map_children(node, lambda c: self._phase(c, rules, count))
                if new == node:
                    return new
                node = new


def strip_index(node: Node, index: str) -> Node:
    """``X[s]`` -> ``X``: a claim proved for every s in range gives all rows at once."""
    if isinstance(node, Subscript) and node.indices == (Name(index, span=SPAN),):
        return node.base
    raise ValueError(f"expected a formula of the form X[{index}]")
