"""Derive a gradient from a loss and write it out: formula, skeleton derivation file, LaTeX.

``derive(derivation, wrt, of)`` lowers ``grad(of, wrt)``, normalises one component
(:class:`symw2v.verify.normalise.Normaliser`), and turns it back into a formula of our
language (:mod:`.vectorise`): matrix form when the pattern table covers it, else index form.
Each candidate is checked against the automatic gradient with the verifier before it is
accepted, so a wrong rewrite can only cost a form, never produce a wrong skeleton. The whole
regeneration runs within one budget (:mod:`symw2v.verify.budget`); the index form is verified
first, so it is what is left when the budget runs out during the matrix form.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from ..derivation.document import Claim, Derivation, Formula
from ..derivation.loader import loads
from ..language.parser import parse
from ..language.printer import to_text
from ..language.syntax import Binary, Name, Node, Subscript, Transpose, Unary, walk
from ..symbolic.lower import Scope
from ..verify.budget import BudgetExceeded, budget, exhausted_text
from ..verify.checker import DEFAULT_BUDGET, check_derivation, prepare
from ..verify.normalise import readable
from ..verify.verdict import CHECKED, PROVED
from .vectorise import NotVectorisable, Vectoriser, prepare_terms

MATRIX, INDEX, COMPONENT = "matrix", "index", "component only"


class DeriveError(Exception):
    """No gradient to show: no loss to differentiate, or the budget ran out before the
    gradient was normalised."""


@dataclass
class Derived:
    derivation: Derivation
    of: str
    wrt: str
    component: sp.Expr
    indices: tuple[sp.Symbol, ...]
    forms: dict[str, str] = field(default_factory=dict)  # kind -> formula text (verified)
    exhausted: str | None = None  # why the budget ran out before every form was tried

    @property
    def kind(self) -> str:
        return MATRIX if MATRIX in self.forms else INDEX if INDEX in self.forms else COMPONENT

    @property
    def best(self) -> str | None:
        return self.forms.get(MATRIX) or self.forms.get(INDEX)


def losses(derivation: Derivation) -> list[str]:
    """Names in the file's [loss] table, in order."""
    return list(derivation.losses)


def targets(derivation: Derivation) -> list[tuple[str, str]]:
    """Every (loss, wrt) that a claim of the file differentiates, in order, once each."""
    out: list[tuple[str, str]] = []
    for claim in derivation.claims:
        if claim.wrt is not None:
            of = claim.lhs.tree.args[0].id  # type: ignore[attr-defined]
            if (of, claim.wrt.text) not in out:
                out.append((of, claim.wrt.text))
    return out


def _claim(text: str, claim_id: str = "derived") -> Claim:
    f = Formula(text, parse(text), f"claim {claim_id!r}")
    return Claim(claim_id, "", f, (), f, (), None, None)


def derive(
    derivation: Derivation,
    wrt: str,
    of: str | None = None,
    verify: bool = True,
    forms: bool = True,
    seconds: float | None = DEFAULT_BUDGET,
) -> Derived:
    """grad(of, wrt): the normalised component, and (with ``forms``) the index and matrix
    forms that pass the verifier (all candidates when ``verify`` is off), all within ``seconds``
    (None: unbounded). Out of budget: the forms verified so far, with ``exhausted`` saying why;
    :class:`DeriveError` when there is no component yet."""
    names = losses(derivation)
    of = of or (names[0] if names else None)
    if of is None:
        raise DeriveError(f"{derivation.path}: no loss to differentiate; say which with --of")
    out: Derived | None = None
    try:
        with budget(seconds):
            scope = Scope.of(derivation)
            tensors, ctx = prepare(derivation, scope, _claim(f"grad({of}, {wrt})"))
            comps = _component_symbols(ctx.components, derivation)
            normal = ctx.normaliser.normal(tensors[0].at(ctx.components))
            normal = readable(normal.xreplace(dict(zip(ctx.components, comps, strict=True))))
            out = Derived(derivation, of, wrt, normal, comps)
            if forms:
                for kind, text in _candidates(out, ctx):
                    if kind not in out.forms and (not verify or verifies(derivation, of, wrt, text)):
                        out.forms[kind] = text
    except BudgetExceeded as err:
        if out is None:
            raise DeriveError(f"grad({of}, {wrt}): {exhausted_text(err, seconds or 0)} "
                              "before the gradient was normalised") from None
        out.exhausted = exhausted_text(err, seconds or 0)
    return out


def _component_symbols(components: tuple[sp.Symbol, ...], derivation: Derivation) -> tuple[sp.Symbol, ...]:
    """Printable component indices (i, j, k, then i1, ...) named apart from the file's names, so
    that ``grad(J, W[i])`` gets component ``j``, not a second ``i``."""
    taken = set(derivation.symbols) | set(derivation.definitions)
    names = (n for n in itertools.chain("ijkpqr", (f"i{k}" for k in itertools.count(1))) if n not in taken)
    return tuple(sp.Symbol(next(names), integer=True, nonnegative=True) for _ in components)


def _candidates(d: Derived, ctx) -> list[tuple[str, str]]:
    """(kind, text) of the forms to verify, index form first: a matrix form that keeps a sum
    over an array counts as an index form, and is preferred to the generic one."""
    lists = {str(b.label) for b in ctx.list_shapes}
    found: list[tuple[str, str]] = []
    for kind, matrix in ((MATRIX, True), (INDEX, False)):
        try:
            text = vectorise(d.component, d.indices, ctx.shape, matrix, lists, taken=set(d.derivation.symbols))
        except (NotVectorisable, SyntaxError, ValueError):
            continue
        text = polish(text, d.derivation, matrix)
        if kind == MATRIX and "sum(" in text and _sum_over_array(text, d.derivation):
            kind = INDEX
        found.append((kind, text))
    return sorted(found, key=lambda f: f[0] != INDEX)


def _sum_over_array(text: str, derivation: Derivation) -> bool:
    """Is a sum left whose body is a vector or matrix? (A sum of scalars, a count or a
    normaliser, is fine in matrix form.)"""
    from ..language.syntax import Call
    from ..report.latex import Shapes

    shapes = Shapes(derivation)
    for n in walk(parse(text)):
        if isinstance(n, Call) and n.func == "sum":
            binder = n.args[0].left if hasattr(n.args[0], "left") else n.args[0]
            if shapes.of(n.args[1], frozenset({getattr(binder, "id", "")})):
                return True
    return False




def vectorise(e: sp.Expr, indices, shape, matrix: bool, lists: set[str], taken: set[str] = frozenset()) -> str:
    """The component expression ``e`` as formula text; bound sums are renamed away from ``taken`` (the
    file's declared names) and from every name in ``e``, so ``sum(m in M, m[m] ...)`` never appears."""
    v = Vectoriser(matrix, lists)
    terms = prepare_terms(_fresh_binders(e, taken), tuple(indices))
    total = sp.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sp.S.Zero)
    if not indices:
        return v.scal(total)
    if total == 0:
        return f"zeros({', '.join(str(s) for s in shape)})" if len(shape) == 1 else (
            f"outer(zeros({shape[0]}), zeros({shape[1]}))")
    if len(indices) == 1:
        return v.vec(total, indices[0], shape[0])
    return v.mat(total, indices[0], indices[1], shape[0], shape[1])


def _fresh_binders(e: sp.Expr, taken: set[str]) -> sp.Expr:
    """``e`` with every summation index that shares its name with a declared or used name renamed
    (``m`` -> ``m1``, ...): the index of a sum over M is named ``m`` even where ``m`` is a vector."""
    used = set(taken) | {s.name for s in e.free_symbols if isinstance(s, sp.Symbol)}
    used |= {str(b.label) for b in e.atoms(sp.IndexedBase)}

    def clashes(x) -> bool:
        return isinstance(x, sp.Sum) and x.limits[0][0].name in used

    def renamed(x: sp.Sum) -> sp.Sum:
        (var, lo, hi), *rest = x.limits
        name = next(f"{var.name}{k}" for k in itertools.count(1) if f"{var.name}{k}" not in used)
        used.add(name)
        new = sp.Symbol(name, **var.assumptions0)
        return sp.Sum(x.function.xreplace({var: new}), (new, lo, hi), *rest)

    return e.replace(clashes, renamed)


def polish(text: str, derivation: Derivation, matrix: bool) -> str:
    """Minimal parentheses; in matrix form, ``X.T @ a - X[t]`` -> ``X.T @ (a - onehot(t))``;
    then subtrees equal to a definition of the file are replaced by its name."""
    tree = parse(text)
    if matrix:
        tree = merge_transposed(tree, derivation)
    return to_text(fold_definitions(tree, derivation))


def fold_definitions(tree: Node, derivation: Derivation) -> Node:
    table = {to_text(d.formula.tree): d.name for d in derivation.definitions.values() if not d.params}
    # only abbreviations (not the losses themselves), longest first
    def fold(node: Node) -> Node:
        name = table.get(to_text(node))
        if name is not None and not isinstance(node, Name):
            return Name(name, span=node.span)
        kwargs = {}
        for key, value in vars(node).items():
            if key == "span":
                continue
            if isinstance(value, Node):
                kwargs[key] = fold(value)
            elif isinstance(value, tuple):
                kwargs[key] = tuple(fold(x) if isinstance(x, Node) else x for x in value)
            else:
                kwargs[key] = value
        return type(node)(**kwargs, span=node.span)

    return fold(tree)


def _signed_terms(node: Node, sign: int = 1) -> list[tuple[int, Node]]:
    if isinstance(node, Binary) and node.op in ("+", "-"):
        return _signed_terms(node.left, sign) + _signed_terms(node.right, sign if node.op == "+" else -sign)
    if isinstance(node, Unary) and node.op == "-":
        return _signed_terms(node.operand, -sign)
    return [(sign, node)]


def merge_transposed(tree: Node, derivation: Derivation) -> Node:
    """``X.T @ a + X.T @ b - X[t]`` -> ``X.T @ (a + b - onehot(t, N))`` when X is a matrix."""
    terms = _signed_terms(tree)
    groups: dict[str, list[tuple[int, str]]] = {}
    rest: list[tuple[int, Node]] = []
    for sign, t in terms:
        if isinstance(t, Binary) and t.op == "@" and isinstance(t.left, Transpose):
            groups.setdefault(to_text(t.left.operand), []).append((sign, to_text(t.right)))
        else:
            rest.append((sign, t))
    if not groups:
        return tree
    leftover = []
    for sign, t in rest:
        key = to_text(t.base) if isinstance(t, Subscript) and len(t.indices) == 1 else None
        decl = derivation.symbols.get(key or "")
        if key in groups and decl is not None and decl.kind == "matrix":
            groups[key].append((sign, f"onehot({to_text(t.indices[0])}, {decl.sizes[0]})"))
        else:
            leftover.append((sign, to_text(t)))
    parts = []
    for key, members in groups.items():
        members.sort(key=lambda m: m[0] < 0)
        inner = _join(members)
        parts.append((1, f"{key}.T @ ({inner})" if len(members) > 1 else f"{key}.T @ {inner}")
                     if members[0][0] > 0 else (-1, f"{key}.T @ ({_join([(-s, x) for s, x in members])})"))
    return parse(_join(parts + leftover))


def _join(members: list[tuple[int, str]]) -> str:
    out = ""
    for sign, text in sorted(members, key=lambda m: m[0] < 0):
        text = f"({text})"
        out = (f"-{text}" if sign < 0 else text) if not out else f"{out} {'+' if sign > 0 else '-'} {text}"
    return out


def verifies(derivation: Derivation, of: str, wrt: str, text: str, assume: tuple[str, ...] = ()) -> bool:
    """Does ``grad(of, wrt) = text`` check (proved or checked) in the file's context?"""
    toml = skeleton_text(derivation, of, wrt, text, assume=assume)
    try:
        results = check_derivation(loads(toml, derivation.path))
    except Exception:
        return False
    return all(r.verdict in (PROVED, CHECKED) for r in results)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def skeleton_text(
    derivation: Derivation,
    of: str,
    wrt: str,
    result: str,
    claim_id: str = "derived",
    says: str = "",
    steps: tuple[str, ...] = (),
    assume: tuple[str, ...] = (),
) -> str:
    """A derivation file with the original's symbols, definitions and losses, and one claim."""
    lines = [f"title = {_toml_string('Regenerated: grad(' + of + ', ' + wrt + ') from ' + derivation.title)}",
             f"source = {_toml_string('symw2v derive ' + derivation.path)}",
             f"convention = {_toml_string(derivation.convention)}"]
    if derivation.assume:
        lines.append("assume = [" + ", ".join(_toml_string(a.text) for a in derivation.assume) + "]")
    lines += ["", "[symbols]"]
    for d in derivation.symbols.values():
        sizes = f"[{', '.join(d.sizes)}]" if d.sizes else ""
        lines.append(f"{d.name} = {_toml_string(d.kind + sizes)}")
    loss_names = set(losses(derivation))
    for section, keep in (
        ("define", lambda d: d.name not in loss_names and not d.intermediate),
        ("let", lambda d: d.name not in loss_names and d.intermediate),
        ("loss", lambda d: d.name in loss_names),
    ):
        entries = [d for d in derivation.definitions.values() if keep(d)]
        if entries:
            lines += ["", f"[{section}]"]
            for d in entries:
                key = d.name + (f"({', '.join(d.params)})" if d.params else "")
                lines.append(f"{_toml_string(key)} = {_toml_string(d.formula.text)}")
    lines += ["", "[[claim]]", f"id = {_toml_string(claim_id)}",
              f"says = {_toml_string(says or f'd{of}/d{wrt}, derived from the loss')}",
              f"wrt = {_toml_string(wrt)}", f"of = {_toml_string(of)}"]
    if steps:
        lines.append("steps = [" + ", ".join(_toml_string(s) for s in steps) + "]")
    lines.append(f"result = {_toml_string(result)}")
    if assume:
        lines.append("assume = [" + ", ".join(_toml_string(a) for a in assume) + "]")
    return "\n".join(lines) + "\n"


def skeleton(d: Derived) -> str:
    """The skeleton for a derived gradient: the best verified form as the claim's result, the
    index form as a step when both exist, the component form as a comment."""
    if d.best is None:
        raise ValueError(f"grad({d.of}, {d.wrt}): no formula form found; component: {d.component}")
    steps = (d.forms[INDEX],) if MATRIX in d.forms and INDEX in d.forms and d.forms[INDEX] != d.forms[MATRIX] else ()
    head = f"# component {list(map(str, d.indices))} (index notation): {d.component}\n"
    head += f"# recognised: {d.kind} form" + (f" ({d.exhausted} before the matrix form)" if d.exhausted else "") + "\n"
    return head + skeleton_text(d.derivation, d.of, d.wrt, d.best, steps=steps)


def no_form(d: Derived) -> str:
    """Comment lines for a gradient with no verified formula form: its component, and why."""
    why = f"{d.exhausted} before a formula form was verified" if d.exhausted else "no formula form found"
    return f"# component {list(map(str, d.indices))} (index notation): {d.component}\n# {why}\n"
