"""The skip-gram training loop, powered only by the generated kernels of ``symw2v.kernels``.

Every gradient comes from ``kernels.neg_sampling_factored``, ``kernels.neg_sampling_shared_factored``
or ``kernels.naive_softmax`` (generated from the verified claims); every sparse update goes through
``kernels.scatter_rows`` or ``kernels.scatter_scaled_rows`` (which count repeated rows). This module
gathers rows, scales by the learning rate and schedules; it differentiates nothing, and the
randomness comes from :mod:`symw2v.train.blocks`.

How a block trains (every gradient applied with the full learning rate, as word2vec's SGD, all
examples of a minibatch at the same parameter values):

* **pairs** (epoch mode, per-pair negatives): minibatches of ``batch`` shuffled pairs. The default is
  the backend's: 1,024 pairs with NumPy, 1 pair with Numba (word2vec's own per-pair SGD, and the
  fastest there: a pair's rows are still in cache when it is applied); with Numba a whole block is
  one call of the generated driver ``neg_sampling_sgd``, or with ``threads`` > 1 one call per thread
  on its chunk of the block, all updating the shared rows without locks (:mod:`.hogwild`).
* **windows** (epoch mode, negatives shared by a window; NumPy): minibatches of ``batch`` consecutive
  centre windows (512 by default); the windows' outside rows are one gather of the positions they
  cover, seen through a strided view, and their gradients are folded back onto those positions.
* **iterations** (the CS224N course's): minibatch ``t`` is ``centres`` random centres with their
  windows; its loss is summed over context words and averaged over the centres, and the gradient is
  scaled the same way.

The reported loss is the mean over the pairs of every ``loss_every``-th pair (or window): an unbiased
estimate that saves the six logaddexp of every Numba pair. A minibatch with a non-finite loss or a
NaN in any gradient factor is not applied and stops the run (DivergedError), as do non-finite
parameters at the end. Blocks depend only on their number, so :meth:`Trainer.run` draws block
``g + 1`` in a second thread while block ``g`` trains (the Numba driver releases the GIL), and a
checkpoint taken between blocks resumes to bit-identical parameters.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from types import ModuleType

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .blocks import Block, BlockSampler, WindowBlock
from .hogwild import Hogwild, available_cores
from .vocab import Vocab


class TrainingError(ValueError):
    """Training cannot start: the corpus, vocabulary or settings do not allow it."""


class DivergedError(RuntimeError):
    """The loss became NaN or infinite: the learning rate is too large."""


@dataclass
class TrainConfig:
    dim: int = 100
    window: int = 5
    negative: int = 5
    loss: str = "neg"  # "neg" (negative sampling) or "softmax" (naive softmax over the vocabulary)
    sample: float = 1e-3  # subsampling threshold t; 0 switches subsampling off
    subsample: str = "word2vec"  # or "paper" (sqrt(t N / f), as the CS224N starter code)
    min_count: int = 5
    epochs: int = 5
    iterations: int = 0  # > 0 selects the iteration mode: that many minibatches of `centres` centres
    centres: int = 50
    batch: int = 0  # epoch mode: pairs (shared negatives: windows) per minibatch; 0 = DEFAULT_BATCH's, resolved
    negatives: str = "auto"  # "pair" or "window" (see NEGATIVES); "auto" resolved by Trainer
    loss_every: int = 16  # epoch mode: the reported loss is the mean over every loss_every-th pair
    lr: float = 0.025
    lr_floor: float = 1e-4  # linear decay stops at lr * lr_floor (word2vec's floor)
    schedule: str = "linear"  # or "step": lr * step_factor ** (iteration // step_every)
    step_every: int = 20000
    step_factor: float = 0.5
    seed: int = 1
    dtype: str = "float32"
    block_words: int = 10000
    block_iterations: int = 1000
    exclude_centre_word: bool = False  # drop context words equal to the centre (the course does)
    backend: str = "auto"  # "numpy", "numba" (fused loops, negative sampling) or "auto"; resolved by Trainer
    threads: int = 0  # numba, epoch mode: Hogwild threads; 0 = the cores available (1 elsewhere); resolved

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class TrainState:
    block: int = 0  # blocks finished
    iteration: int = 0  # minibatches finished
    raw_words: int = 0  # corpus words walked (before subsampling)
    words: int = 0  # effective words trained (after subsampling; iteration mode: centres)
    pairs: int = 0
    loss_sum: float = 0.0  # since the last block report
    loss_count: int = 0
    ema: float | None = None  # iteration mode: the course's 0.95/0.05 moving average of the loss
    history: list = field(default_factory=list)  # one [block, iteration, words, mean loss] per block


def _scale(g: np.ndarray, step) -> np.ndarray:
    if g.flags.writeable:
        g *= step
        return g
    return g * step


BACKENDS = ("auto", "numpy", "numba")
# settings that shape how a run goes but are not pinned by a checkpoint: a run may resume with another
# thread count (one thread is bit-identical to itself; more are not reproducible bit for bit anyway)
NOT_PINNED = ("threads",)
# Who draws the K negatives (epoch mode, negative sampling):
#   pair   -- every (centre, context) pair draws its own, as word2vec (the Numba backend's default);
#   window -- each centre's window draws K, shared by all its pairs (the NumPy backend's default).
# Shared draws are the loss of j_window_shared.toml (neg_sampling_shared): the same expected gradient
# as per-pair draws, with about 5 times fewer rows to gather and scatter per pair (as BlazingText,
# Ji et al. 2016), and the windows' outside rows are read once per corpus position.
NEGATIVES = ("auto", "pair", "window")
# minibatch when TrainConfig.batch is 0: pairs (per-pair negatives) or centre windows (shared ones;
# 512 windows are about 2,600 pairs: 1,024 windows diverged on the default corpus, measured)
DEFAULT_BATCH = {("numpy", "pair"): 1024, ("numba", "pair"): 1, ("numpy", "window"): 512}


def numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def load_kernels() -> ModuleType:
    """The generated kernels (``symw2v.kernels``), with a clear message while they are missing."""
    try:
        return importlib.import_module("symw2v.kernels")
    except ModuleNotFoundError as exc:
        raise TrainingError("symw2v.kernels (the generated gradient functions) is not installed") from exc


class Trainer:
    """Skip-gram parameters plus the position in the schedule; :meth:`run` trains block by block."""

    def __init__(
        self,
        config: TrainConfig,
        vocab: Vocab,
        stream: np.ndarray,
        offsets: np.ndarray,
        kernels: ModuleType | None = None,
    ):
        self.config = c = config
        self.vocab = vocab
        self.stream = stream
        self.offsets = offsets
        self.kernels = kernels if kernels is not None else load_kernels()
        self.dtype = np.dtype(c.dtype)
        self._validate()
        c.backend = self._resolve_backend(explicit_kernels=kernels is not None)
        c.negatives = self._resolve_negatives()
        c.batch = c.batch or DEFAULT_BATCH[c.backend, c.negatives]  # resolved, so the fingerprint pins it
        c.threads = self._resolve_threads()
        self.fused = self.kernels.numba_module() if c.backend == "numba" else None
        self._hogwild: Hogwild | None = None
        self.blocks = BlockSampler(c, vocab.counts, stream, offsets)
        self.total_blocks = self.blocks.total_blocks
        rng = np.random.default_rng([c.seed, 0])
        V, d = len(vocab), c.dim
        self.W_in = ((rng.random((V, d)) - 0.5) / d).astype(self.dtype)
        self.W_out = np.zeros((V, d), dtype=self.dtype)
        self.state = TrainState()
        self._buffers: dict[str, np.ndarray] = {}

    # ---------------------------------------------------------------- checks
    def _validate(self) -> None:
        c, V, n = self.config, len(self.vocab), len(self.stream)
        if self.dtype not in (np.float32, np.float64):
            raise TrainingError(f"dtype must be float32 or float64, not {c.dtype}")
        if c.loss not in ("neg", "softmax"):
            raise TrainingError(f"loss must be 'neg' or 'softmax', not {c.loss!r}")
        if c.schedule not in ("linear", "step"):
            raise TrainingError(f"schedule must be 'linear' or 'step', not {c.schedule!r}")
        if min(c.dim, c.window, c.centres, c.block_words, c.block_iterations, c.loss_every) < 1 or c.lr <= 0:
            raise TrainingError("dim, window, centres, block sizes, loss_every and lr must be positive")
        if c.batch < 0:
            raise TrainingError("batch must be positive (or 0 for the backend's default)")
        if c.iterations <= 0 and c.epochs < 1:
            raise TrainingError("need epochs >= 1 (or iterations >= 1)")
        if n == 0:
            raise TrainingError(f"no word of the corpus occurs min_count={c.min_count} times: nothing to train on")
        if n <= c.window:
            raise TrainingError(
                f"the corpus has {n} words in the vocabulary, not more than the window ({c.window}): "
                "it is smaller than one window"
            )
        if not np.any(np.diff(self.offsets) >= 2):
            raise TrainingError("no sentence has two words in the vocabulary: there is no (centre, context) pair")
        if c.loss == "neg" and V < c.negative + 1:
            raise TrainingError(
                f"the vocabulary has {V} words, too small for {c.negative} negatives "
                f"(need at least {c.negative + 1}: the outside word and {c.negative} others); "
                "lower --negative or --min-count"
            )
        if c.loss == "softmax" and V < 2:
            raise TrainingError("naive softmax needs at least 2 words in the vocabulary")

    def _resolve_backend(self, explicit_kernels: bool) -> str:
        """``auto`` is numba where it is installed and the loss is negative sampling (and no kernel
        module was injected), numpy otherwise. The resolved name is stored in the config, so the
        fingerprint (and thus ``--resume``) pins the backend: resuming is bit-identical."""
        c = self.config
        if c.backend not in BACKENDS:
            raise TrainingError(f"backend must be one of {', '.join(BACKENDS)}, not {c.backend!r}")
        if c.backend == "auto":
            return "numba" if c.loss == "neg" and not explicit_kernels and numba_installed() else "numpy"
        if c.backend == "numba":
            if not numba_installed():
                raise TrainingError("--backend numba needs numba: pip install 'symw2v[fast]' (or use --backend numpy)")
            if c.loss != "neg":
                raise TrainingError("the numba backend is printed for negative sampling only; use --backend numpy")
        return c.backend

    def _resolve_negatives(self) -> str:
        """``auto`` is ``window`` with NumPy in epoch mode (the fastest there, measured) where the
        vocabulary leaves a word to draw outside any window (V > 2 window), ``pair`` otherwise.
        Shared draws are printed for NumPy and negative sampling in epoch mode only."""
        c, V = self.config, len(self.vocab)
        if c.negatives not in NEGATIVES:
            raise TrainingError(f"negatives must be one of {', '.join(NEGATIVES)}, not {c.negatives!r}")
        shareable = c.loss == "neg" and c.iterations <= 0 and c.backend == "numpy"
        if c.negatives == "auto":
            return "window" if shareable and V > 2 * c.window else "pair"
        if c.negatives == "window":
            if not shareable:
                raise TrainingError(
                    "--negatives window (negatives shared by a window) needs negative sampling in epoch "
                    "mode with --backend numpy; use --negatives pair"
                )
            if V <= 2 * c.window:
                raise TrainingError(
                    f"the vocabulary has {V} words: a window of {2 * c.window} context words may hold all of them, "
                    "leaving no word to draw as a shared negative; use --negatives pair or a smaller --window"
                )
        return c.negatives

    def _resolve_threads(self) -> int:
        """``0`` is the cores available with the numba backend in epoch mode (Hogwild), 1 otherwise; more
        than one thread elsewhere is refused."""
        c = self.config
        hogwild = c.backend == "numba" and c.iterations <= 0
        if c.threads < 0:
            raise TrainingError(f"threads must be positive (or 0 for the cores available), not {c.threads}")
        if c.threads == 0:
            return available_cores() if hogwild else 1
        if c.threads > 1 and not hogwild:
            raise TrainingError(
                "--threads above 1 (Hogwild) is for the numba backend in epoch mode; use --threads 1"
            )
        return c.threads

    def fingerprint(self) -> str:
        """Hash of the data and of every setting that shapes the run (a resume must match it)."""
        h = hashlib.sha256()
        for i in range(0, len(self.stream), 1 << 20):  # in chunks: the ids may be a memory-mapped file
            h.update(np.ascontiguousarray(self.stream[i : i + (1 << 20)]).tobytes())
        h.update(np.ascontiguousarray(self.offsets).tobytes())
        h.update("\n".join(self.vocab.words).encode())
        h.update(self.vocab.counts.tobytes())
        pinned = {k: v for k, v in asdict(self.config).items() if k not in NOT_PINNED}
        h.update(json.dumps(pinned, sort_keys=True).encode())
        return h.hexdigest()

    # ---------------------------------------------------------------- schedule
    @property
    def done(self) -> bool:
        return self.state.block >= self.total_blocks

    @property
    def progress(self) -> float:
        c = self.config
        if c.iterations > 0:
            return self.state.iteration / c.iterations
        return self.state.raw_words / (len(self.stream) * c.epochs)

    def learning_rate(self, fraction, iteration):
        """The step size at ``fraction`` of the corpus walked / minibatch ``iteration`` (arrays too)."""
        c = self.config
        if c.schedule == "step":
            return c.lr * c.step_factor ** (np.asarray(iteration) // c.step_every)
        return c.lr * np.maximum(1.0 - np.asarray(fraction, dtype=np.float64), c.lr_floor)

    # ---------------------------------------------------------------- one minibatch
    def _gather(self, slot: str, W: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``W[idx]`` into a buffer reused across minibatches (grown when a minibatch is larger)."""
        shape = (*idx.shape, W.shape[1])
        buf = self._buffers.get(slot)
        if buf is None or buf.shape[0] < shape[0] or buf.shape[1:] != shape[1:]:
            buf = self._buffers[slot] = np.empty((max(shape[0], self.config.batch), *shape[1:]), dtype=W.dtype)
        out = buf[: shape[0]]
        return np.take(W, idx, axis=0, out=out, mode="clip")  # ids come from the vocabulary: always in range

    def _step(self, centre: np.ndarray, context: np.ndarray, negs: np.ndarray | None, rate: float,
              first: int = 0, every: int = 1) -> float:
        """One SGD step on the pairs (centre[p], context[p]); returns the summed loss of the pairs
        ``first::every`` (every loss is tested for finiteness)."""
        k, W_in, W_out = self.kernels, self.W_in, self.W_out
        step = self.dtype.type(-rate)
        v_c = self._gather("v_c", W_in, centre)
        with np.errstate(over="ignore", invalid="ignore"):
            if negs is not None:
                u_o, u_neg = self._gather("u_o", W_out, context), self._gather("u_neg", W_out, negs)
                _, g_vc, c_uo, c_uneg = k.neg_sampling_factored(v_c, u_o, u_neg, with_loss=False)
                # the loss of every `every`-th pair, as the Numba driver: a NaN or inf elsewhere shows in
                # the factors (a non-finite score makes its sigma 0, 1 or NaN and its gradient non-finite)
                sampled = slice(first, None, every)
                loss = k.neg_sampling_factored(v_c[sampled], u_o[sampled], u_neg[sampled])[0]
                total = self._checked_loss(loss, 0, 1, float(c_uo.sum()) + float(c_uneg.sum()))
                # scaled in place where writable (saves memory traffic); the kernel's inputs are our
                # own gathered buffers, so even an output aliasing an input cannot touch W_in/W_out
                g_vc, c_uo, c_uneg = (_scale(g, step) for g in (g_vc, c_uo, c_uneg))
                # g_uo = c_uo * v_c and g_uneg[b, k] = c_uneg[b, k] * v_c[b] are scattered without being
                # stored, in one call (one sort, one sparse product over the rows they touch)
                rows, coef = np.column_stack([context, negs]), np.column_stack([c_uo, c_uneg])
                k.scatter_scaled_rows(W_out, rows, coef, v_c, np.repeat(np.arange(len(centre)), rows.shape[1]))
                k.scatter_rows(W_in, centre, g_vc)
            else:
                loss, g_vc, g_U = k.naive_softmax(v_c, context, W_out)
                total = self._checked_loss(loss, first, every)
                W_out += _scale(g_U, step)
                k.scatter_rows(W_in, centre, _scale(g_vc, step))
        return total

    def _checked_loss(self, loss: np.ndarray, first: int, every: int, factors: float = 0.0) -> float:
        """The summed loss of the pairs ``first::every``; DivergedError where it (or ``factors``, a sum
        of gradient factors) is not finite."""
        total = float(loss.sum(dtype=np.float64))
        if not np.isfinite(total + factors):
            raise DivergedError(self._diverged_message(total + factors))
        return total if every == 1 else float(loss[first::every].sum(dtype=np.float64))

    def _fused_steps(self, blk: Block, bounds, rates, every: int) -> np.ndarray:
        """All minibatches of a block in one call of the generated Numba kernel ``neg_sampling_sgd``
        (same semantics as :meth:`_step`); returns the (sampled) loss of each minibatch."""
        n = len(bounds) - 1
        losses = np.zeros(n, dtype=np.float64)
        steps = (-rates).astype(self.dtype)
        arrays = (np.ascontiguousarray(blk.centre), np.ascontiguousarray(blk.context), np.ascontiguousarray(blk.negs),
                  np.ascontiguousarray(bounds, dtype=np.int64), steps)
        if self.config.threads > 1:
            if self._hogwild is None:
                self._hogwild = Hogwild(self.fused.neg_sampling_sgd, self.config.threads)
            done = self._hogwild(self.W_in, self.W_out, *arrays, self.config.batch, every, losses)
        else:
            done = self.fused.neg_sampling_sgd(self.W_in, self.W_out, *arrays, every, losses)
        self.state.iteration += done
        if done < n:
            raise DivergedError(self._diverged_message(float(losses[done])))
        return losses

    def _diverged_message(self, total: float) -> str:
        lr = self.learning_rate(self.progress, self.state.iteration)
        return (
            f"training diverged: the loss became {total} at iteration {self.state.iteration} "
            f"(learning rate {lr:g}); lower --lr"
        )

    # ---------------------------------------------------------------- blocks
    def _minibatch_rates(self, n: int, raw: int) -> tuple[np.ndarray, np.ndarray]:
        """Epoch mode: where the minibatches of a block of ``n`` examples (``raw`` corpus words) start,
        and each one's learning rate (the linear decay by the corpus fraction walked before it)."""
        c, st = self.config, self.state
        starts = np.arange(0, n, c.batch)
        fractions = (st.raw_words + raw * starts / max(n, 1)) / (len(self.stream) * c.epochs)
        return starts, self.learning_rate(fractions, st.iteration + np.arange(len(starts)))

    def _train_epoch_block(self, blk: Block) -> None:
        c, st = self.config, self.state
        n_pairs, every = len(blk.centre), c.loss_every
        starts, rates = self._minibatch_rates(n_pairs, blk.raw)
        if self.fused is not None:
            st.loss_sum += float(self._fused_steps(blk, np.append(starts, n_pairs), rates, every).sum())
        else:
            for j, rate in zip(starts, rates, strict=True):
                sl = slice(j, j + c.batch)
                negs = None if blk.negs is None else blk.negs[sl]
                st.loss_sum += self._step(blk.centre[sl], blk.context[sl], negs, rate, (-j) % every, every)
                st.iteration += 1
        st.loss_count += len(range(0, n_pairs, every))
        st.raw_words += blk.raw
        st.words += blk.words
        st.pairs += n_pairs

    def _train_window_block(self, blk: WindowBlock) -> None:
        c, st, w = self.config, self.state, self.config.window
        n = len(blk.ids)
        starts, rates = self._minibatch_rates(n, blk.raw)
        halo = np.concatenate([np.zeros(w, blk.ids.dtype), blk.ids, np.zeros(w, blk.ids.dtype)])
        weights = blk.slots.astype(self.dtype)
        for j, rate in zip(starts, rates, strict=True):
            sl = slice(j, j + c.batch)
            loss, pairs = self._window_step(blk.ids[sl], halo[j : j + c.batch + 2 * w], weights[sl], blk.negs[sl],
                                            rate, (-j) % c.loss_every, c.loss_every)
            st.loss_sum += loss
            st.loss_count += pairs
            st.iteration += 1
        st.raw_words += blk.raw
        st.words += n
        st.pairs += int(blk.slots.sum())

    def _window_step(self, centre: np.ndarray, halo: np.ndarray, weights: np.ndarray, negs: np.ndarray,
                     rate: float, first: int, every: int) -> tuple[float, int]:
        """One SGD step on the windows of the consecutive centres ``centre`` (B,) with shared negatives:
        ``halo`` (B + 2 window,) are the words around them (slot j of centre b is ``halo[b + j]``),
        ``weights`` (B, 2 window + 1) the slots' weights, ``negs`` (B, K). Returns the summed loss of
        the windows ``first::every`` and how many pairs they hold."""
        step = self.dtype.type(-rate)
        v_c = self._gather("v_c", self.W_in, centre)
        # the windows' outside vectors are one strided view of the halo rows: (B, 2 window + 1, d)
        u_halo = self._gather("u_halo", self.W_out, halo)
        u_ctx = np.moveaxis(sliding_window_view(u_halo, weights.shape[1], axis=0), 2, 1)
        u_neg = self._gather("u_neg", self.W_out, negs)
        sampled = slice(first, None, every)
        with np.errstate(over="ignore", invalid="ignore"):
            # the loss of every window costs two logaddexp over (B, M) and (B, K): less than a second
            # call on the sampled windows (at these sizes a call is mostly overhead)
            loss, g_vc, c_ctx, c_neg = self.kernels.neg_sampling_shared_factored(v_c, u_ctx, u_neg, weights)
            total = self._checked_loss(loss, first, every, float(c_ctx.sum()) + float(c_neg.sum()))
            g_vc, c_ctx, c_neg = (_scale(g, step) for g in (g_vc, c_ctx, c_neg))
            # slot row c_ctx[b, j] * v_c[b] belongs to position b + j: folded per position first, then
            # scattered with the sample rows c_neg[b, k] * v_c[b] in one call
            folded = self.kernels.fold_window_rows(c_ctx, v_c)  # one row per halo position
            n = len(folded)
            self.kernels.scatter_scaled_rows(
                self.W_out, np.concatenate([halo, negs.reshape(-1)]),
                np.concatenate([np.ones(n, self.dtype), c_neg.reshape(-1)]), np.concatenate([folded, v_c]),
                np.concatenate([np.arange(n), n + np.repeat(np.arange(len(centre)), negs.shape[1])]),
            )
            self.kernels.scatter_rows(self.W_in, centre, g_vc)
        return total, int(weights[sampled].sum())

    def _train_iteration_block(self, blk: Block) -> None:
        c, st = self.config, self.state
        bounds, n_it = blk.bounds, len(blk.bounds) - 1
        if self.fused is not None:
            iterations = st.iteration + np.arange(n_it)
            rates = self.learning_rate(iterations / c.iterations, iterations)
            losses = self._fused_steps(blk, bounds, rates / c.centres, 1) / c.centres
        else:
            losses = []
            for t in range(n_it):
                sl = slice(int(bounds[t]), int(bounds[t + 1]))
                rate = self.learning_rate(st.iteration / c.iterations, st.iteration)
                negs = None if blk.negs is None else blk.negs[sl]
                losses.append(self._step(blk.centre[sl], blk.context[sl], negs, rate / c.centres) / c.centres)
                st.iteration += 1
        for loss in losses:
            st.ema = loss if st.ema is None else 0.95 * st.ema + 0.05 * loss
            st.loss_sum += loss
            st.loss_count += 1
        st.words += blk.words
        st.pairs += len(blk.centre)
        st.raw_words += blk.raw

    def _train(self, blk: Block | WindowBlock) -> None:
        st = self.state
        st.loss_sum, st.loss_count = 0.0, 0
        if self.config.iterations > 0:
            self._train_iteration_block(blk)
        elif isinstance(blk, WindowBlock):
            self._train_window_block(blk)
        else:
            self._train_epoch_block(blk)
        mean = st.loss_sum / max(st.loss_count, 1)
        st.history.append([st.block, st.iteration, st.words, mean])
        st.block += 1

    def run_block(self) -> None:
        self._train(self.blocks.sample(self.state.block))

    def run(self, on_block=None, max_blocks: int | None = None) -> None:
        """Train to the end (or ``max_blocks`` more blocks); ``on_block(trainer)`` after each block.
        The next block is sampled in a second thread meanwhile (its randomness depends only on its
        number, so the result is that of :meth:`run_block` in a loop)."""
        last = self.total_blocks if max_blocks is None else min(self.total_blocks, self.state.block + max_blocks)
        try:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="symw2v-sample") as pool:
                ahead = pool.submit(self.blocks.sample, self.state.block) if self.state.block < last else None
                while ahead is not None:
                    blk = ahead.result()
                    following = self.state.block + 1
                    ahead = pool.submit(self.blocks.sample, following) if following < last else None
                    self._train(blk)
                    if on_block is not None:
                        on_block(self)
        finally:
            if self._hogwild is not None:
                self._hogwild.close()
                self._hogwild = None
        if not (np.isfinite(self.W_in).all() and np.isfinite(self.W_out).all()):
            raise DivergedError("training diverged: parameters are no longer finite; lower --lr")

    @property
    def last_loss(self) -> float | None:
        st = self.state
        if st.ema is not None:
            return st.ema
        return st.history[-1][3] if st.history else None
