"""The skip-gram training loop, powered only by the generated kernels of ``symw2v.kernels``.

Every gradient comes from ``kernels.neg_sampling`` or ``kernels.naive_softmax`` (generated from the
verified claims); every sparse update goes through ``kernels.scatter_rows`` (which counts repeated
rows). This module only gathers rows, draws the randomness, scales by the learning rate and
schedules; it differentiates nothing.

Two ways to walk the corpus:

* **epochs** (word2vec's): each epoch walks the corpus in *blocks* of about ``block_words`` words
  (cut at sentence starts); a block is subsampled, gets its dynamic windows, its (centre, context)
  pairs are shuffled and cut into minibatches of ``batch`` pairs, each pair gets ``negative``
  negatives. A pair's gradient is applied with the full learning rate (as word2vec's per-pair SGD),
  all pairs of a minibatch at the same parameter values.
* **iterations** (the CS224N course's): iteration ``t`` draws ``centres`` random centre words of a
  subsampled copy of the corpus, each with its own window; the minibatch loss is the sum over
  context words averaged over the centres, and the gradient is scaled the same way.

Reproducibility and exact resume: all randomness of block ``g`` comes from
``numpy.random.default_rng([seed, mode, epoch, block])``, so a block depends only on the seed,
its number and the parameters it starts from. A checkpoint taken between blocks therefore resumes
to bit-identical parameters.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
from dataclasses import asdict, dataclass, field, fields
from types import ModuleType

import numpy as np

from .sampling import UnigramSampler, keep_probabilities, window_pairs
from .vocab import Vocab

EPOCH_MODE, ITERATION_MODE = 1, 2


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
    batch: int = 1024  # epoch mode: (centre, context) pairs per minibatch (1024: fastest measured, README)
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
        self.fused = self.kernels.numba_module() if c.backend == "numba" else None
        self.keep = keep_probabilities(vocab.counts, c.sample, c.subsample)
        self.sampler = UnigramSampler(vocab.counts) if c.loss == "neg" else None
        self.sentence_of = np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))
        if c.iterations > 0:
            self.blocks_per_epoch = -(-c.iterations // c.block_iterations)
            self.total_blocks = self.blocks_per_epoch
        else:
            marks = np.arange(0, len(stream), c.block_words)
            starts = np.unique(offsets[np.searchsorted(offsets, marks)])
            self.block_starts = np.append(starts[starts < len(stream)], len(stream))
            self.blocks_per_epoch = len(self.block_starts) - 1
            self.total_blocks = self.blocks_per_epoch * c.epochs
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
        if min(c.dim, c.window, c.batch, c.centres, c.block_words, c.block_iterations) < 1 or c.lr <= 0:
            raise TrainingError("dim, window, batch, centres, block sizes and lr must be positive")
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

    def fingerprint(self) -> str:
        """Hash of the data and of every setting that shapes the run (a resume must match it)."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.stream).tobytes())
        h.update(np.ascontiguousarray(self.offsets).tobytes())
        h.update("\n".join(self.vocab.words).encode())
        h.update(self.vocab.counts.tobytes())
        h.update(self.config.to_json().encode())
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

    def learning_rate(self, fraction: float, iteration: int) -> float:
        c = self.config
        if c.schedule == "step":
            return c.lr * c.step_factor ** (iteration // c.step_every)
        return c.lr * max(1.0 - fraction, c.lr_floor)

    # ---------------------------------------------------------------- one minibatch
    def _gather(self, slot: str, W: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``W[idx]`` into a buffer reused across minibatches (grown when a minibatch is larger)."""
        shape = (*idx.shape, W.shape[1])
        buf = self._buffers.get(slot)
        if buf is None or buf.shape[0] < shape[0] or buf.shape[1:] != shape[1:]:
            buf = self._buffers[slot] = np.empty((max(shape[0], self.config.batch), *shape[1:]), dtype=W.dtype)
        out = buf[: shape[0]]
        return np.take(W, idx, axis=0, out=out, mode="clip")  # ids come from the vocabulary: always in range

    def _step(self, centre: np.ndarray, context: np.ndarray, negs: np.ndarray | None, rate: float) -> float:
        """One SGD step on the pairs (centre[p], context[p]); returns the summed loss."""
        k, W_in, W_out = self.kernels, self.W_in, self.W_out
        step = self.dtype.type(-rate)
        v_c = self._gather("v_c", W_in, centre)
        with np.errstate(over="ignore", invalid="ignore"):
            if negs is not None:
                u_o, u_neg = self._gather("u_o", W_out, context), self._gather("u_neg", W_out, negs)
                loss, g_vc, g_uo, g_uneg = k.neg_sampling(v_c, u_o, u_neg)
                total = float(loss.sum(dtype=np.float64))
                if not np.isfinite(total):
                    raise DivergedError(self._diverged_message(total))
                # scaled in place where writable (saves memory traffic); the kernel's inputs are our
                # own gathered buffers, so even an output aliasing an input cannot touch W_in/W_out
                g_vc, g_uo, g_uneg = (_scale(g, step) for g in (g_vc, g_uo, g_uneg))
                k.scatter_rows(W_in, centre, g_vc)
                k.scatter_rows(W_out, context, g_uo)
                k.scatter_rows(W_out, negs.reshape(-1), g_uneg.reshape(-1, W_out.shape[1]))
            else:
                loss, g_vc, g_U = k.naive_softmax(v_c, context, W_out)
                total = float(loss.sum(dtype=np.float64))
                if not np.isfinite(total):
                    raise DivergedError(self._diverged_message(total))
                W_out += _scale(g_U, step)
                k.scatter_rows(W_in, centre, _scale(g_vc, step))
        return total

    def _fused_steps(self, centre, context, negs, bounds, rates) -> np.ndarray:
        """All minibatches of a block in one call of the generated Numba kernel ``neg_sampling_sgd``
        (same semantics as :meth:`_step`); returns the loss of each minibatch."""
        n = len(bounds) - 1
        losses = np.zeros(n, dtype=np.float64)
        steps = (-rates).astype(self.dtype)
        done = self.fused.neg_sampling_sgd(self.W_in, self.W_out, np.ascontiguousarray(centre),
                                           np.ascontiguousarray(context), np.ascontiguousarray(negs),
                                           np.ascontiguousarray(bounds, dtype=np.int64), steps, losses)
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
    def _epoch_block(self, g: int) -> None:
        c, st = self.config, self.state
        epoch, b = divmod(g, self.blocks_per_epoch)
        rng = np.random.default_rng([c.seed, EPOCH_MODE, epoch, b])
        lo, hi = int(self.block_starts[b]), int(self.block_starts[b + 1])
        ids, sent = self.stream[lo:hi], self.sentence_of[lo:hi]
        kept = rng.random(hi - lo, dtype=np.float32) < self.keep[ids]
        ids, sent = ids[kept], sent[kept]
        _, cpos, xpos = window_pairs(sent, c.window, rng.integers(1, c.window + 1, size=len(ids)))
        order = rng.permutation(len(cpos))
        centre, context = ids[cpos[order]], ids[xpos[order]]
        if c.exclude_centre_word:
            keep = centre != context
            centre, context = centre[keep], context[keep]
        negs = self.sampler.draw_excluding(rng, context, c.negative) if self.sampler else None
        n_pairs, total_words = len(centre), len(self.stream) * c.epochs
        if self.fused is not None:
            bounds = np.append(np.arange(0, n_pairs, c.batch), n_pairs)
            rates = [
                self.learning_rate((st.raw_words + (hi - lo) * int(j) / n_pairs) / total_words, st.iteration + m)
                for m, j in enumerate(bounds[:-1])
            ]
            losses = self._fused_steps(centre, context, negs, bounds, np.asarray(rates))
            st.loss_sum += float(losses.sum())
            st.loss_count += n_pairs
        for j in range(0, n_pairs if self.fused is None else 0, c.batch):
            fraction = (st.raw_words + (hi - lo) * j / n_pairs) / total_words
            rate = self.learning_rate(fraction, st.iteration)
            sl = slice(j, j + c.batch)
            st.loss_sum += self._step(centre[sl], context[sl], None if negs is None else negs[sl], rate)
            st.loss_count += min(c.batch, n_pairs - j)
            st.iteration += 1
        st.raw_words += hi - lo
        st.words += len(ids)
        st.pairs += n_pairs

    def _iteration_block(self, g: int) -> None:
        c, st = self.config, self.state
        rng = np.random.default_rng([c.seed, ITERATION_MODE, 0, g])
        kept = rng.random(len(self.stream), dtype=np.float32) < self.keep[self.stream]
        ids, sent = self.stream[kept], self.sentence_of[kept]
        # as the course's getRandomContext: a uniform sentence among those with >= 2 words left
        # after subsampling, then a uniform position in it
        lengths = np.bincount(sent, minlength=len(self.offsets) - 1)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        eligible = np.flatnonzero(lengths >= 2)
        if len(eligible) == 0:
            eligible = np.flatnonzero(lengths >= 1)
        n_it = min(c.block_iterations, c.iterations - g * c.block_iterations)
        chosen = eligible[rng.integers(0, len(eligible), size=n_it * c.centres)]
        positions = starts[chosen] + (rng.random(len(chosen)) * lengths[chosen]).astype(np.int64)
        rows, cpos, xpos = window_pairs(sent, c.window, rng.integers(1, c.window + 1, size=len(positions)), positions)
        centre, context = ids[cpos], ids[xpos]
        if c.exclude_centre_word:
            keep = centre != context
            rows, centre, context = rows[keep], centre[keep], context[keep]
        negs = self.sampler.draw_excluding(rng, context, c.negative) if self.sampler else None
        bounds = np.searchsorted(rows, np.arange(n_it + 1) * c.centres)
        if self.fused is not None:
            rates = [self.learning_rate((st.iteration + t) / c.iterations, st.iteration + t) for t in range(n_it)]
            losses = self._fused_steps(centre, context, negs, bounds, np.asarray(rates) / c.centres)
            for loss in losses / c.centres:
                st.ema = loss if st.ema is None else 0.95 * st.ema + 0.05 * loss
                st.loss_sum += loss
                st.loss_count += 1
            n_it_loop = 0
        else:
            n_it_loop = n_it
        for t in range(n_it_loop):
            sl = slice(int(bounds[t]), int(bounds[t + 1]))
            rate = self.learning_rate(st.iteration / c.iterations, st.iteration)
            loss = self._step(centre[sl], context[sl], None if negs is None else negs[sl], rate / c.centres)
            loss /= c.centres
            st.ema = loss if st.ema is None else 0.95 * st.ema + 0.05 * loss
            st.loss_sum += loss
            st.loss_count += 1
            st.iteration += 1
        st.words += n_it * c.centres
        st.pairs += len(centre)
        st.raw_words += n_it * c.centres

    def run_block(self) -> None:
        st = self.state
        st.loss_sum, st.loss_count = 0.0, 0
        if self.config.iterations > 0:
            self._iteration_block(st.block)
        else:
            self._epoch_block(st.block)
        mean = st.loss_sum / max(st.loss_count, 1)
        st.history.append([st.block, st.iteration, st.words, mean])
        st.block += 1

    def run(self, on_block=None, max_blocks: int | None = None) -> None:
        """Train to the end (or ``max_blocks`` more blocks); ``on_block(trainer)`` after each block."""
        n = 0
        while not self.done and (max_blocks is None or n < max_blocks):
            self.run_block()
            n += 1
            if on_block is not None:
                on_block(self)
        if not (np.isfinite(self.W_in).all() and np.isfinite(self.W_out).all()):
            raise DivergedError("training diverged: parameters are no longer finite; lower --lr")

    @property
    def last_loss(self) -> float | None:
        st = self.state
        if st.ema is not None:
            return st.ema
        return st.history[-1][3] if st.history else None
