"""Generate the NumPy module from verified claims: ``python -m symw2v.kernels.generate``.

1. every claim an output is made of is checked (``symw2v.verify.checker``); anything but
   proved or checked is refused, naming the claim;
2. its formula is inlined, its parameters bound, and the *proved* rewrites of
   ``stability.toml`` applied (a rewrite that is not proved is simply not available);
3. :class:`~symw2v.kernels.numpy_printer.NumPyPrinter` prints batched NumPy statements.

The module's first lines record a key: a SHA-256 of the derivation files used and of the
generator's own sources. :func:`load` imports the committed ``_generated.py`` when its key is
current, and otherwise regenerates into a cache directory (never a stale module).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ..derivation.document import Claim, Derivation
from ..derivation.loader import load as load_derivation
from ..language.parser import parse
from ..language.printer import to_text
from ..language.syntax import Binary, Call, Name, Subscript
from ..symbolic.lower import Scope
from ..verify.checker import check_claim
from ..verify.verdict import CHECKED, PROVED
from . import rewrite
from .numba_printer import NumbaPrinter, NVal
from .numpy_printer import NumPyPrinter, PrintError, Val
from .spec import (
    KERNELS,
    NUMBA_KERNELS,
    REWRITE_PHASES,
    STABILITY,
    SUPPORTING,
    WINDOW_FILE,
    WINDOWS,
    KernelSpec,
    NumbaSpec,
    Output,
    WindowSpec,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DERIVATIONS = PACKAGE_DIR.parent.parent / "derivations"
GENERATED = PACKAGE_DIR / "_generated.py"
GENERATED_NUMBA = PACKAGE_DIR / "_generated_numba.py"
SOURCES = ("generate.py", "numpy_printer.py", "numba_printer.py", "rewrite.py", "spec.py", "runtime.py")
# The packages that read a derivation and decide its verdicts: a change there may change what is
# generated (a claim no longer proved is refused), so it changes the key too.
VERDICT_PACKAGES = ("language", "derivation", "symbolic", "verify")
KEY_RE = re.compile(r"^# key: ([0-9a-f]{64})$", re.M)
ACCEPTED = (PROVED, CHECKED)


class GenerationRefused(ValueError):
    """A claim a generated function would be made of is not proved or checked."""


def files_used() -> list[str]:
    names = {o.file for k in KERNELS for o in k.outputs}
    names |= {f for s in SUPPORTING.values() for f, _ in s}
    return sorted(names | {STABILITY, WINDOW_FILE})


def key(derivations: Path = DERIVATIONS) -> str:
    h = hashlib.sha256()
    for name in files_used():
        h.update(name.encode() + b"\0" + (derivations / name).read_bytes() + b"\0")
    for name in SOURCES:
        h.update(name.encode() + b"\0" + (PACKAGE_DIR / name).read_bytes() + b"\0")
    for package in VERDICT_PACKAGES:
        for path in sorted((PACKAGE_DIR.parent / package).glob("*.py")):
            h.update(f"{package}/{path.name}".encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@dataclass
class _Verifier:
    derivations: Path
    budget: float
    loaded: dict[str, tuple[Derivation, Scope]] = field(default_factory=dict)
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict)

    def derivation(self, file: str) -> Derivation:
        if file not in self.loaded:
            d = load_derivation(self.derivations / file)
            self.loaded[file] = (d, Scope.of(d))
        return self.loaded[file][0]

    def claim(self, file: str, claim_id: str) -> Claim:
        d = self.derivation(file)
        for c in d.claims:
            if c.id == claim_id:
                return c
        raise GenerationRefused(f"{file}:{claim_id}: no such claim")

    def verdict(self, file: str, claim_id: str) -> str:
        if (file, claim_id) not in self.verdicts:
            claim = self.claim(file, claim_id)
            d, scope = self.loaded[file]
            self.verdicts[file, claim_id] = check_claim(d, scope, claim, self.budget).verdict
        return self.verdicts[file, claim_id]

    def require(self, file: str, claim_id: str, what: str) -> str:
        v = self.verdict(file, claim_id)
        if v not in ACCEPTED:
            raise GenerationRefused(
                f"refusing to generate {what}: claim {file}:{claim_id} is {v} (only proved or checked claims are used)"
            )
        return v


def _formula(claim: Claim, which: str):
    if which == "result":
        return claim.result
    if which == "lhs":
        return claim.lhs
    m = re.fullmatch(r"steps\[(\d+)\]", which)
    if m and int(m.group(1)) < len(claim.steps):
        return claim.steps[int(m.group(1))]
    raise ValueError(f"claim {claim.id!r} has no formula {which!r}")


def _rewriter(ver: _Verifier, target: str) -> tuple[rewrite.Rewriter, dict[str, str]]:
    d = ver.derivation(STABILITY)
    verdicts = {c.id: ver.verdict(STABILITY, c.id) for c in d.claims}
    proved = [c for c in d.claims if verdicts[c.id] == PROVED]  # rewrites need a proof
    rules = rewrite.rules_from(d, proved, STABILITY)
    phases = [[rules[r] for r in phase if r in rules] for phase in REWRITE_PHASES[target]]
    return rewrite.Rewriter(phases, set()), verdicts


def _prepared(spec: KernelSpec, ver: _Verifier, rewriter):
    """Per output: (output, verdict, formula, tree) -- every claim checked, inlined, bound, rewritten."""
    scope_bindings = {parse(p.binds): p.name for p in spec.params}
    for out in spec.outputs:
        verdict = ver.require(out.file, out.claim, f"{spec.name} ({out.name})")
        derivation = ver.derivation(out.file)
        formula = _formula(ver.claim(out.file, out.claim), out.formula)
        tree = rewrite.inline(formula.tree, derivation)
        if out.strip:
            tree = rewrite.strip_index(tree, out.strip)
        tree = rewrite.bind(tree, scope_bindings)
        yield out, verdict, formula, rewriter.run(tree)


def _doc_outputs(spec: KernelSpec, ver: _Verifier, prepared) -> list[str]:
    doc_outputs = []
    for out, verdict, formula, _ in prepared:
        row = f", row {out.strip} for every {out.strip}" if out.strip else ""
        which = "" if out.formula == "result" else f" ({out.formula}{row})"
        doc_outputs.append(
            f"    {out.name}: {out.shape}\n"
            f"        from {out.file}:{out.claim} [{verdict}]{which}: {formula.text}"
            + ("\n        summed over the batch" if out.batch_sum else "")
        )
    for file, claim_id in SUPPORTING.get(spec.name, ()):
        v = ver.require(file, claim_id, spec.name)
        doc_outputs.append(f"    scattering the per-row gradients with repeats counted: {file}:{claim_id} [{v}]")
    return doc_outputs


def _kernel_source(spec: KernelSpec, ver: _Verifier, rewriter, rule_verdicts) -> str:
    """The printed kernel. With ``spec.factor`` (``v_c``) it is two functions: ``<name>_factored``, the
    printed one, returns a gradient ``a * v_c`` or ``outer(a, v_c)`` as its factor ``a`` and computes
    the loss only ``if with_loss``; ``<name>``, the full contract, multiplies the factors out."""
    env = {p.name: Val(p.name, p.rank, p.batched, p.index) for p in spec.params}
    printer = NumPyPrinter(env)
    rewriter.used = set()
    prepared = list(_prepared(spec, ver, rewriter))

    def print_value(out: Output, tree):
        try:
            return printer.batch_sum(tree) if out.batch_sum else printer.value(tree)
        except PrintError as err:
            what = f"{spec.name} ({out.name})"
            raise GenerationRefused(f"cannot generate {what} from {out.file}:{out.claim}: {err}") from None

    printed, loss_lines, factored = _print_outputs(printer, prepared, spec.factor, "loss" if spec.factor else None,
                                                   print_value)
    results = [(name, val) for _, name, val in printed]
    doc_outputs = _doc_outputs(spec, ver, prepared)
    rules = "".join(f"\n        {r} [{rule_verdicts[r.split(':')[1]]}]" for r in sorted(rewriter.used)) or " none"
    params = "\n".join(f"    {p.name}: {p.shape} (stands for {p.binds})" for p in spec.params)
    body = [f"    {line}" for line in printer.lines]
    body += [f"    {name} = {val.code}" for name, val in results]
    if spec.factor:
        body += ["    loss = None", "    if with_loss:", *(f"        {line}" for line in loss_lines)]
    names = [factored.get(o.name, (o.name,))[0] for o in spec.outputs]
    body.append(f"    return {', '.join(names)}")
    body = printer.reuse_dead(body)
    doc = (
        f'    """{spec.summary}\n\n    Parameters (never modified):\n{params}\n\n    Returns:\n'
        + "\n".join(doc_outputs)
        + f"\n\n    Stability rewrites applied:{rules}\n    "
        + '"""'
    )
    args = ", ".join(p.name for p in spec.params)
    if not spec.factor:
        return "\n".join([f"def {spec.name}({args}):", doc, *body])
    expand = {0: "{c}[:, None] * {v}", 1: "{c}[..., :, None] * {v}[..., None, :]"}
    full = [expand[rank].format(c=name, v=spec.factor) if out in factored else out
            for out, (name, rank) in ((o.name, factored.get(o.name, (o.name, 0))) for o in spec.outputs)]
    said = _factor_doc(factored, spec.factor)
    printed = (
        f"def {spec.name}_factored({args}, with_loss=True):\n"
        f'    """{spec.name} with the gradients that are multiples of {spec.factor} returned as their factors\n'
        f"    ({said})\n    and the loss computed only when with_loss (else None): returns {', '.join(names)}.\n"
        f'    Printed from the claims listed in {spec.name}."""\n' + "\n".join(body)
    )
    wrapper = [f"def {spec.name}({args}):", doc, f"    {', '.join(names)} = {spec.name}_factored({args})",
               f"    return {', '.join(full)}"]
    return printed + "\n\n\n" + "\n".join(wrapper)


# Numba's fast-math flags without nnan/ninf: reductions may be reassociated (vectorized) and
# multiply-adds contracted, but NaN and inf keep their meaning (divergence is still detected).
NUMBA_FASTMATH = '{"reassoc", "contract", "nsz", "arcp"}'


def _print_outputs(printer, prepared, factor: str | None, loss: str | None, print_value):
    """Print every output with ``print_value(output, tree)``, the loss (if named) last. A gradient
    ``a * factor`` or ``outer(a, factor)`` is printed as its factor ``a``, named ``c_<x>`` for ``g_<x>``.
    Returns ``(printed, loss_lines, factored)``: (output, name, value) for every output but the loss;
    the statements that only the loss needs (cut from the printer, to go under ``if with_loss``);
    and output name -> (factor name, per-example rank)."""
    printed, loss_lines, factored = [], [], {}
    for out, _, _, tree in sorted(prepared, key=lambda item: item[0].name == loss):
        coef = _factor(tree, factor) if factor else None
        mark = len(printer.lines)
        val = print_value(out, coef if coef is not None else tree)
        name = f"c_{out.name.removeprefix('g_')}" if coef is not None else out.name
        if coef is not None:
            factored[out.name] = (name, val.rank)
        if out.name == loss:
            loss_lines = printer.lines[mark:] + [f"{name} = {val.code}"]
            del printer.lines[mark:]
        else:
            printed.append((out, name, val))
    return printed, loss_lines, factored


def _factor_doc(factored: dict, factor: str) -> str:
    """How the full gradients follow from their factors, for the docstrings."""
    return "; ".join(f"{o} = {n} * {factor}" if r == 0 else f"{o}[k] = {n}[k] * {factor}"
                     for o, (n, r) in factored.items())


def _factor(tree, param: str):
    """``a * param`` or ``outer(a, param)`` -> ``a``: the gradient is ``a`` times the row ``param`` (one
    scalar, or one per sample), so the driver keeps ``a`` and never stores a copy of ``param``."""
    if isinstance(tree, Binary) and tree.op == "*" and isinstance(tree.right, Name) and tree.right.id == param:
        return tree.left
    if isinstance(tree, Call) and tree.func == "outer" and isinstance(tree.args[1], Name) and tree.args[1].id == param:
        return tree.args[0]
    return None


def _numba_kernel_source(nspec: NumbaSpec, ver: _Verifier, rewriter, rule_verdicts) -> str:
    """``<name>_pair`` (one example, printed by NumbaPrinter; a gradient ``a * v_c`` or ``outer(a, v_c)``
    is returned as its factor ``a``; the loss is printed last, under ``if with_loss``), ``<name>`` (the
    batched contract of the NumPy kernel) and ``<name>_sgd`` (the training driver)."""
    spec = next(k for k in KERNELS if k.name == nspec.kernel)
    env = {name: NVal(f"{name}[{', '.join(f'{{{i}}}' for i in range(len(dims)))}]", dims)
           for name, dims in nspec.dims.items()}
    for name, (matrix, index) in nspec.rows.items():  # v_c is W_c[c], u_neg is W_ws[ws]: no copy, no view
        dims = nspec.dims[name]
        env[name] = (NVal(f"{matrix}[{index}, {{0}}]", dims) if len(dims) == 1 else
                     NVal(f"{matrix}[{index}[{{0}}], {{1}}]", dims, row=(f"{index}[{{0}}]", f"{matrix}[r, {{0}}]")))
    printer = NumbaPrinter(env)
    rewriter.used = set()
    prepared = list(_prepared(spec, ver, rewriter))

    def print_value(out: Output, tree):
        if out.batch_sum:
            raise GenerationRefused(f"{spec.name} ({out.name}): a batch-summed output has no per-example form")
        try:
            return printer.value(tree)
        except PrintError as err:
            raise GenerationRefused(f"cannot print {spec.name} ({out.name}) per example: {err}") from None

    printed, loss_lines, factored = _print_outputs(printer, prepared, nspec.factor, nspec.loss, print_value)
    writes, arrays = [], []
    for _, name, val in printed:
        if val.rank == 0:
            writes.append(f"{name} = {val.code}")
        else:
            arrays.append(name)
            writes += printer.write(f"{name}[q, {', '.join(f'{{{i}}}' for i in range(val.rank))}]", val)
    scalars = [name for name, rank in factored.values() if rank == 0]
    params = [q for p in spec.params for q in nspec.rows.get(p.name, (p.name,))]
    gathered = ", ".join(f"{n} is {m}[{i}]" for n, (m, i) in nspec.rows.items())
    doc_outputs = _doc_outputs(spec, ver, prepared)
    rules = "".join(f"\n        {r} [{rule_verdicts[r.split(':')[1]]}]" for r in sorted(rewriter.used)) or " none"
    sizes = [f"    {size} = {code}" for size, code in nspec.sizes.items()]
    body = ["    F = g_vc.dtype.type  # numbers in the parameters' precision", *sizes]
    body += [f"    {line}" for line in printer.lines + writes]
    body += [f"    {nspec.loss} = F(0)", "    if with_loss:"] + [f"        {line}" for line in loss_lines]
    body.append(f"    return {', '.join([nspec.loss, *scalars])}")
    name = spec.name
    pair = (
        f"@njit(cache=True, fastmath={NUMBA_FASTMATH})\n"
        f"def {name}_pair({', '.join(params + arrays)}, q, work, with_loss):\n"
        f'    """{spec.summary}\n\n'
        f"    One example: the inputs are those of one row b of the batched kernel, read in place\n"
        f"    ({gathered}). Returns\n"
        f"    ({', '.join([nspec.loss, *scalars])}) and writes row q of {', '.join(arrays)}; a gradient that is a\n"
        f"    multiple of {nspec.factor} is returned as its factor: {_factor_doc(factored, nspec.factor)}.\n"
        f"    {nspec.loss} is computed only when with_loss (else 0). work is scratch, {printer.scratch} rows of\n"
        "    max(K, d). Printed per example from:\n"
        + "\n".join(doc_outputs)
        + f"\n\n    Stability rewrites applied:{rules}\n    "
        + '"""\n'
        + "\n".join(body)
    )
    return pair + NUMBA_DRIVERS.format(name=name, scratch=printer.scratch)


# The drivers around the printed pair function (negative sampling: c_uo and c_uneg are the factors
# of g_uo and g_uneg over v_c, checked when the pair function is printed).
NUMBA_DRIVERS = """


{name}_SCRATCH = {scratch}


@njit(cache=True)
def {name}(v_c, u_o, u_neg):
    \"\"\"The batched contract of the NumPy kernel ({name}(v_c (B, d), u_o (B, d), u_neg (B, K, d))
    -> loss (B,), g_vc, g_uo, g_uneg), one {name}_pair call per example; inputs never modified.\"\"\"
    B, K, d = u_neg.shape
    loss = np.empty(B, v_c.dtype)
    g_vc = np.empty((B, d), v_c.dtype)
    g_uo = np.empty((B, d), v_c.dtype)
    g_uneg = np.empty((B, K, d), v_c.dtype)
    c_uneg = np.empty((B, K), v_c.dtype)
    work = np.empty(({name}_SCRATCH, max(K, d)), v_c.dtype)
    ws = np.arange(K)
    for b in range(B):
        loss[b], c_uo = {name}_pair(v_c, b, u_o, b, u_neg[b], ws, g_vc, c_uneg, b, work, True)
        for i in range(d):
            g_uo[b, i] = c_uo * v_c[b, i]
        for k in range(K):
            for i in range(d):
                g_uneg[b, k, i] = c_uneg[b, k] * v_c[b, i]
    return loss, g_vc, g_uo, g_uneg


@njit(cache=True, nogil=True)  # no fast-math here: the finiteness tests must not be folded away
def {name}_sgd(W_in, W_out, centre, context, negs, bounds, steps, loss_every, losses):
    \"\"\"SGD on pairs (centre[p], context[p]) with negatives negs[p] (K each); minibatch m is the pairs
    bounds[m]:bounds[m + 1] (one pair per minibatch is word2vec's per-pair SGD). All pairs of a minibatch
    are computed by {name}_pair from the same parameters; then, in pair order, W_out[context[p]] and
    W_out[negs[p, k]] get steps[m] times their factor times the (old) row W_in[centre[p]], and after them
    W_in[centre[p]] gets steps[m] * g_vc: every occurrence of a repeated index lands
    (h_repeated_samples.toml:h) and every run gives the same bits. The loss is computed for the pairs p
    with p % loss_every == 0 and losses[m] receives their sum. A minibatch whose computed losses or
    factors are not finite (NaN or inf anywhere in its parameters) is not applied and ends the call;
    returns the number of minibatches applied. Releases the GIL (the next block is sampled meanwhile).\"\"\"
    d = W_in.shape[1]
    K = negs.shape[1]
    n = 0
    for m in range(bounds.shape[0] - 1):
        n = max(n, bounds[m + 1] - bounds[m])
    g_vc = np.empty((n, d), W_in.dtype)
    c_uo = np.empty(n, W_in.dtype)
    c_uneg = np.empty((n, K), W_in.dtype)
    work = np.empty(({name}_SCRATCH, max(K, d)), W_in.dtype)
    for m in range(bounds.shape[0] - 1):
        lo, hi = bounds[m], bounds[m + 1]
        total = 0.0
        check = 0.0
        for p in range(lo, hi):
            q = p - lo
            loss, c = {name}_pair(W_in, centre[p], W_out, context[p], W_out, negs[p], g_vc, c_uneg, q, work,
                                 p % loss_every == 0)
            c_uo[q] = c
            total += loss
            check += c
            for k in range(K):
                check += c_uneg[q, k]
        losses[m] = total
        if not np.isfinite(total + check):
            return m
        s = steps[m]
        # rows by index, not by view: a view of W_in or W_out costs an atomic reference count
        for p in range(lo, hi):
            q = p - lo
            c = centre[p]
            r = context[p]
            a = c_uo[q]
            for i in range(d):
                W_out[r, i] += s * (a * W_in[c, i])
            for k in range(K):
                r = negs[p, k]
                a = c_uneg[q, k]
                for i in range(d):
                    W_out[r, i] += s * (a * W_in[c, i])
        for p in range(lo, hi):
            c = centre[p]
            q = p - lo
            for i in range(d):
                W_in[c, i] += s * g_vc[q, i]
    return bounds.shape[0] - 1"""


def _window_source(spec: WindowSpec, ver: _Verifier) -> str:
    d = ver.derivation(WINDOW_FILE)
    lines = []
    for claim_id in spec.claims:
        v = ver.require(WINDOW_FILE, claim_id, spec.name)
        claim = ver.claim(WINDOW_FILE, claim_id)
        _expect_window_sum(claim, spec, d)
        lines.append(f"    from {WINDOW_FILE}:{claim_id} [{v}]: {claim.lhs.text} = {claim.result.text}")
    sources = "\n".join(lines)
    if spec.pair == "naive_softmax":
        return f'''def {spec.name}(v_c, ctx, U):
    """{spec.summary}

    v_c: (B, d), ctx: (B, M) int, U: (V, d)  ->  loss (B,), g_vc (B, d), g_U (V, d) summed over the batch.
    The window gradient is the sum of the pair gradients over the window:
{sources}
    """
    B, M = ctx.shape
    loss, g_vc, g_U = naive_softmax(np.repeat(v_c, M, axis=0), ctx.reshape(-1), U)
    return loss.reshape(B, M).sum(axis=1), g_vc.reshape(B, M, -1).sum(axis=1), g_U'''
    return f'''def {spec.name}(v_c, u_ctx, u_neg):
    """{spec.summary}

    v_c: (B, d), u_ctx: (B, M, d) = U[ctx], u_neg: (B, M, K, d) = U[ws] per pair
    ->  loss (B,), g_vc (B, d), g_uctx (B, M, d), g_uneg (B, M, K, d) (scatter both, repeats counted).
    The window gradient is the sum of the pair gradients over the window:
{sources}
    """
    B, M, d = u_ctx.shape
    K = u_neg.shape[2]
    loss, g_vc, g_uo, g_uneg = neg_sampling(
        np.repeat(v_c, M, axis=0), u_ctx.reshape(B * M, d), u_neg.reshape(B * M, K, d)
    )
    return (
        loss.reshape(B, M).sum(axis=1),
        g_vc.reshape(B, M, d).sum(axis=1),
        g_uo.reshape(B, M, d),
        g_uneg.reshape(B, M, K, d),
    )'''


def _expect_window_sum(claim: Claim, spec: WindowSpec, d: Derivation) -> None:
    """The claim must read ``sum(j, grad(<pair loss>(ctx[j]), X))``: the pair kernel summed."""
    t = claim.result.tree
    ok = (
        isinstance(t, Call)
        and t.func == "sum"
        and isinstance(t.args[1], Call)
        and t.args[1].func == "grad"
        and isinstance(t.args[1].args[0], Call)
        and t.args[1].args[0].func == spec.pair_loss
        and isinstance(t.args[1].args[0].args[0], Subscript)
        and isinstance(t.args[0], Name)
        and t.args[1].args[0].args[0].indices == (t.args[0],)
    )
    if not ok:
        raise GenerationRefused(
            f"{WINDOW_FILE}:{claim.id}: expected sum(j, grad({spec.pair_loss}(ctx[j]), X)), got {to_text(t)}"
        )


HEADER = '''"""GENERATED by symw2v.kernels.generate from verified claims -- do not edit.

Regenerate with ``python -m symw2v.kernels.generate``. Each function names the claims
(file:id) and verdicts it was printed from; every statement's comment is the formula it computes.
"""
# ruff: noqa: E501
# key: {key}
# derivations: {files}

import numpy as np

from symw2v.kernels import runtime as rt'''


NUMBA_HEADER = '''"""GENERATED by symw2v.kernels.generate from verified claims -- do not edit.

The Numba target: per-example fused loops printed by NumbaPrinter from the same verified claims (and the
same proved rewrites) as the NumPy module, under the same key. Regenerate with
``python -m symw2v.kernels.generate``. Compiled on first call and cached (cache=True).
"""
# ruff: noqa: E501, UP034
# key: {key}
# derivations: {files}

import math  # noqa: F401  (the printed statements call math.exp, math.tanh, ...)

import numpy as np
from numba import njit'''


def _numpy_parts(ver: _Verifier, rewriter, rule_verdicts) -> list[str]:
    return [*(_kernel_source(spec, ver, rewriter, rule_verdicts) for spec in KERNELS),
            *(_window_source(window, ver) for window in WINDOWS)]


def _numba_parts(ver: _Verifier, rewriter, rule_verdicts) -> list[str]:
    return [_numba_kernel_source(nspec, ver, rewriter, rule_verdicts) for nspec in NUMBA_KERNELS]


# target -> (module header, the functions printed into it)
MODULES = {"numpy": (HEADER, _numpy_parts), "numba": (NUMBA_HEADER, _numba_parts)}


def _module_text(target: str, derivations: Path, budget: float) -> str:
    """The source text of ``target``'s generated module (raises :class:`GenerationRefused`)."""
    header, parts = MODULES[target]
    ver = _Verifier(Path(derivations), budget)
    rewriter, rule_verdicts = _rewriter(ver, target)
    head = header.format(key=key(Path(derivations)), files="\n#   ".join(files_used()))
    return "\n\n\n".join([head, *parts(ver, rewriter, rule_verdicts)]) + "\n"


def generate(derivations: Path = DERIVATIONS, budget: float = 30.0) -> str:
    """The source text of the generated NumPy module (raises :class:`GenerationRefused`)."""
    return _module_text("numpy", derivations, budget)


def generate_numba(derivations: Path = DERIVATIONS, budget: float = 30.0) -> str:
    """The source text of the generated Numba module (raises :class:`GenerationRefused`)."""
    return _module_text("numba", derivations, budget)


TARGETS = {
    "numpy": (GENERATED, "symw2v.kernels._generated", generate),
    "numba": (GENERATED_NUMBA, "symw2v.kernels._generated_numba", generate_numba),
}


def recorded_key(path: Path) -> str | None:
    try:
        m = KEY_RE.search(path.read_text(encoding="utf-8")[:2000])
    except OSError:
        return None
    return m.group(1) if m else None


def cache_dir() -> Path:
    base = os.environ.get("SYMW2V_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "symw2v" / "kernels"


def load(derivations: Path = DERIVATIONS, target: str = "numpy") -> ModuleType:
    """The generated module of ``target`` ("numpy" or "numba") for the current derivations: the
    committed file when its key is current, else a module regenerated into :func:`cache_dir`
    (keyed by the same hash)."""
    committed, module_name, printer = TARGETS[target]
    if not (derivations / STABILITY).exists():  # an installation without derivations/
        return importlib.import_module(module_name)
    current = key(derivations)
    if recorded_key(committed) == current:
        return importlib.import_module(module_name)
    suffix = "" if target == "numpy" else f"_{target}"
    path = cache_dir() / f"generated{suffix}_{current[:24]}.py"
    if recorded_key(path) != current:
        print(f"symw2v: derivations changed; regenerating {target} functions into {path}", file=sys.stderr)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(printer(derivations), encoding="utf-8")
        tmp.replace(path)
    name = f"symw2v_kernels_generated{suffix}_{current[:24]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    derivations = Path(argv[0]) if argv else DERIVATIONS
    try:
        texts = {path: printer(derivations) for path, _, printer in TARGETS.values()}
    except GenerationRefused as err:
        print(f"symw2v: {err}", file=sys.stderr)
        return 1
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
