"""Which claims the generated functions are made of, and what their parameters stand for.

Each output names one formula of one claim (``result`` by default; any formula of a verified
chain equals every other). Parameters *bind* a formula of the derivation: in negative sampling
``u_o`` holds ``U[o]`` and ``u_neg`` holds the gathered rows ``U[ws]`` (K per example), so the
generated function never sees U or the indices; the caller gathers and scatters.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    name: str
    binds: str  # the formula of the derivation this parameter holds
    rank: int  # per-example rank
    batched: bool
    shape: str  # for the docstring
    index: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    file: str
    claim: str
    formula: str = "result"  # "result", "lhs" or "steps[k]"
    batch_sum: bool = False  # a gradient of a shared parameter: summed over the batch
    strip: str | None = None  # the claim is about row s of X for every s: output all of X
    shape: str = ""


@dataclass(frozen=True)
class KernelSpec:
    name: str
    summary: str
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    factor: str | None = None  # gradients a * factor, outer(a, factor) also come as a (<name>_factored)


@dataclass(frozen=True)
class WindowSpec:
    """The skip-gram sum: the window loss and its gradients are sums of pair kernels over the
    window, as the claims (``result = "sum(j, grad(J_pair(ctx[j]), X))"``) say."""

    name: str
    summary: str
    pair: str  # the pair kernel's name
    pair_loss: str  # the macro of the pair loss in i_skipgram.toml
    claims: tuple[str, ...]  # claims of FILE of that form


STABILITY = "stability.toml"

# Phases of rewriting (claims of stability.toml), per output target: each phase runs to a fixpoint.
# sigma.complement and sub.neg leave one sigma per score (sigma(-s) - 1 = -sigma(s)). The last phase
# chooses how sigma is computed: NumPy's tanh is vectorized and never overflows; in Numba's scalar
# loops exp costs 2.7 ns against 18 ns for tanh (measured), so that target takes sigma.exp.
_COMMON_PHASES: tuple[tuple[str, ...], ...] = (
    ("neg.matmul", "neg.neg"),
    (
        "log_softmax.shift", "softmax.shift", "log_sigma", "sigma.symmetry", "sigma.complement",
        "neg.matmul", "neg.matmul.right", "sub.neg", "neg.neg",
    ),
)
REWRITE_PHASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "numpy": (*_COMMON_PHASES, ("sigma.tanh", "neg.neg")),
    "numba": (*_COMMON_PHASES, ("sigma.exp", "neg.neg")),
}

KERNELS: tuple[KernelSpec, ...] = (
    KernelSpec(
        "naive_softmax",
        "Naive-softmax loss and gradients for B (center, outside word) pairs sharing U.",
        (
            Param("v_c", "v_c", 1, True, "(B, d) center vectors"),
            Param("o", "o", 0, True, "(B,) int, the outside words", index=True),
            Param("U", "U", 2, False, "(V, d) outside vectors, one per row"),
        ),
        (
            Output("loss", "a_cross_entropy.toml", "a", "steps[0]", shape="(B,)"),
            Output("g_vc", "b_grad_center.toml", "b", shape="(B, d)"),
            Output("g_U", "d_grad_outside_matrix.toml", "d", batch_sum=True, shape="(V, d), summed over the batch"),
        ),
    ),
    KernelSpec(
        "neg_sampling",
        "Negative-sampling loss and gradients for B pairs with K sampled rows each (repeats allowed).",
        (
            Param("v_c", "v_c", 1, True, "(B, d) center vectors"),
            Param("u_o", "U[o]", 1, True, "(B, d) outside vectors U[o]"),
            Param("u_neg", "U[ws]", 2, True, "(B, K, d) sampled rows U[ws]"),
        ),
        (
            Output("loss", "g2_neg_sampling_reuse.toml", "g2.loss", shape="(B,)"),
            Output("g_vc", "g2_neg_sampling_reuse.toml", "g2.v_c", shape="(B, d)"),
            Output("g_uo", "g2_neg_sampling_reuse.toml", "g2.u_o", shape="(B, d)"),
            Output(
                "g_uneg",
                "g2_neg_sampling_reuse.toml",
                "g2.samples",
                "lhs",
                strip="s",
                shape="(B, K, d): one row per sample; scatter every occurrence (h_repeated_samples.toml:h)",
            ),
        ),
        factor="v_c",
    ),
    KernelSpec(
        "neg_sampling_shared",
        "Negative sampling for B windows of M weighted slots whose pairs share K sampled rows (j_window_shared.toml).",
        (
            Param("v_c", "v_c", 1, True, "(B, d) center vectors"),
            Param("u_ctx", "U[ctx]", 2, True, "(B, M, d) the slots' outside vectors U[ctx] (any strides)"),
            Param("u_neg", "U[ws]", 2, True, "(B, K, d) sampled rows U[ws], shared by the window's pairs"),
            Param("m", "m", 1, True, "(B, M) float slot weights: 1 for a pair of the window, 0 for an empty slot"),
        ),
        (
            Output("loss", "j_window_shared.toml", "j.loss", shape="(B,)"),
            Output("g_vc", "j_window_shared.toml", "j.v_c", shape="(B, d)"),
            Output(
                "g_uctx",
                "j_window_shared.toml",
                "j.ctx",
                "lhs",
                strip="s",
                shape="(B, M, d): one row per slot; scatter every slot (j_window_shared.toml:j.ctx.repeats)",
            ),
            Output(
                "g_uneg",
                "j_window_shared.toml",
                "j.samples",
                "lhs",
                strip="r",
                shape="(B, K, d): one row per sample; scatter every draw (j_window_shared.toml:j.samples.repeats)",
            ),
        ),
        factor="v_c",
    ),
)

# Claims that justify how the outputs are used rather than what they compute: scattering the
# per-sample rows with repeats counted is claim h (K samples, repeats allowed); for shared samples,
# the two repeats claims of j (a word in several slots, a word drawn several times).
SUPPORTING = {
    "neg_sampling": (("h_repeated_samples.toml", "h"),),
    "neg_sampling_shared": (("j_window_shared.toml", "j.ctx.repeats"), ("j_window_shared.toml", "j.samples.repeats")),
}

WINDOW_FILE = "i_skipgram.toml"
WINDOWS: tuple[WindowSpec, ...] = (
    WindowSpec(
        "skipgram_naive_softmax",
        "Skip-gram window loss with naive softmax: B centers, M outside words each, shared U.",
        "naive_softmax",
        "J_sm",
        ("i.v_c", "i.U"),
    ),
    WindowSpec(
        "skipgram_neg_sampling",
        "Skip-gram window loss with negative sampling: B centers, M outside words, K samples per pair.",
        "neg_sampling",
        "J_ns",
        ("i.ns.v_c", "i.ns.U"),
    ),
)


@dataclass(frozen=True)
class NumbaSpec:
    """A kernel printed per example for Numba: the axes of each parameter (one example) and how
    each size is read from the arguments."""

    kernel: str
    dims: dict
    sizes: dict
    # a parameter that is a row (or rows) of a matrix -> (matrix, index): read in place, never copied
    rows: dict = field(default_factory=dict)
    factor: str = "v_c"  # gradients a * v_c and outer(a, v_c) are printed as their factor a
    loss: str = "loss"  # printed last, computed only when the driver asks for it


# Negative sampling only: its per-example work is a few dot products of length d, which a fused
# loop keeps in cache. Naive softmax is a (B x V) @ (V x d) product that BLAS already does well
# (and it needs subscripts and a max, for which the per-example printer has no rule).
NUMBA_KERNELS: tuple[NumbaSpec, ...] = (
    NumbaSpec(
        "neg_sampling",
        {"v_c": ("d",), "u_o": ("d",), "u_neg": ("K", "d")},
        {"d": "g_vc.shape[1]", "K": "ws.shape[0]"},
        rows={"v_c": ("W_c", "c"), "u_o": ("W_o", "o"), "u_neg": ("W_ws", "ws")},
    ),
)
