"""symw2v train against gensim, on the embedded default corpus (King James Bible), in one run.

    python benchmarks/train_bench.py                # everything (about 10 minutes on 2 cores)
    python benchmarks/train_bench.py --quick        # 1 seed, speed epochs 1: a smoke run
    python benchmarks/train_bench.py --speed-only   # only the words/s comparison
    python benchmarks/train_bench.py --threads-only # only Hogwild: why it scales as it does, words/s by threads
    python benchmarks/train_bench.py --scale-only   # only the corpus 20 times the embedded one
    python benchmarks/train_bench.py --quality-only --seeds 10  # only the quality table, over 10 seeds

Measured, all with the same corpus and hyperparameters (skip-gram, negative=5, d=100, window=5,
sample=1e-3, min_count=5, lr 0.025 linear to 0):

0. why Hogwild scales as it does here: a nogil loop that shares nothing on 1 and 2 threads (what the
   cores give), the generated driver on the pairs of 30 blocks split over 2 threads that share both
   parameter matrices, one, or none, or rows padded to cache lines of their own (thread CPU ns per
   pair: what waiting for rows costs), how many rows of a pair the other thread wrote last, and
   word2vec.c's own inner loop (``hogwild_loop.c``, when a C compiler exists) on the same pairs;
1. speed: effective words/s (words after subsampling, per second of the training loop, corpus
   reading and vocabulary excluded) of symw2v (--backend numpy with its default negatives shared
   by each window, --backend numpy --negatives pair, and, when numba is installed, --backend numba
   with --threads 1, 2 and the cores available (Hogwild): all generated from the same verified
   claims) and of gensim ``Word2Vec(sg=1, ...)`` with workers=1, 2 (and the cores available), with
   the cores each kept busy and the load average; the ratios and the scaling come from this one run;
2. quality at 5 epochs: WordSim-353 and SimLex-999 Spearman ρ (gensim's test-data copies) for
   symw2v's NumPy path (window negatives), its Numba path (per-pair negatives, when installed) on 1
   and 2 threads, and gensim with workers=1 and 2, mean and spread (min..max) over seeds, and whether
   the Numba mean on N threads lies within gensim's spread with N workers;
3. the ``--preset cs224n`` run on the SST sentences (``../shared/data``): wall time and final loss;
4. peak memory (max RSS) of a default-corpus run of ``symw2v train`` (1 epoch), measured first
   in a child process;
5. scale: the embedded text written out once and 20 times over (generated here), each trained for
   1 epoch by ``symw2v train`` in a child process (the 20-times file twice: building its id file,
   then using it): peak memory (the child's own VmHWM), wall time, words/s.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SST = REPO.parent / "shared" / "data" / "stanfordSentimentTreebank"
PARAMS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, lr=0.025)


def symw2v_cmd() -> list[str]:
    return [sys.executable, "-m", "symw2v.cli"]


def peak_memory_mb() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*symw2v_cmd(), "train", "--epochs", "1", "--quiet", "-o", f"{tmp}/v.bin"], check=True,
                       capture_output=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def cs224n_run() -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        r = subprocess.run([*symw2v_cmd(), "train", "--preset", "cs224n", str(SST), "--quiet", "-o", f"{tmp}/v.txt"],
                           check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - t
    loss = re.search(r"final loss ([0-9.]+)", r.stdout)
    return seconds, loss.group(1) if loss else "?"


@dataclass
class Run:
    """A timed training run: the vocabulary, the vectors, effective words/s, seconds, and how many cores
    the process kept busy on average (its CPU time over the wall time)."""

    words: list
    vectors: np.ndarray
    wps: float
    seconds: float
    cores: float


class Timed:
    """Wall seconds and the process's busy cores (CPU time / wall time) of a ``with`` block."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._wall
        self.cores = (time.process_time() - self._cpu) / self.seconds


def ours(sentences, epochs: int, seed: int, batch: int | None, backend: str = "numpy", negatives: str = "auto",
         threads: int = 1):
    from symw2v.train.loop import TrainConfig, Trainer
    from symw2v.train.vocab import Vocab

    config = TrainConfig(**PARAMS, epochs=epochs, seed=seed, backend=backend, negatives=negatives, threads=threads,
                         **({"batch": batch} if batch else {}))
    vocab = Vocab.build(sentences, config.min_count)
    stream, offsets = vocab.encode(sentences)
    tr = Trainer(config, vocab, stream, offsets)
    with Timed() as t:
        tr.run()
    return Run(list(vocab.words), tr.W_in, tr.state.words / t.seconds, t.seconds, t.cores)


def theirs(sentences, epochs: int, seed: int, workers: int):
    from gensim.models import Word2Vec

    m = Word2Vec(sg=1, negative=PARAMS["negative"], vector_size=PARAMS["dim"], window=PARAMS["window"],
                 sample=PARAMS["sample"], min_count=PARAMS["min_count"], alpha=PARAMS["lr"], min_alpha=0.0,
                 workers=workers, seed=seed)
    m.build_vocab(sentences)
    with Timed() as t:
        effective, _raw = m.train(sentences, total_examples=m.corpus_count, epochs=epochs)
    return Run(list(m.wv.index_to_key), m.wv.vectors, effective / t.seconds, t.seconds, t.cores)


def quality(words, vectors) -> tuple[float, float, str]:
    from gensim.test.utils import datapath

    from symw2v.train.evaluate import Embeddings, word_pairs

    emb = Embeddings(words, vectors)
    ws = word_pairs(emb, datapath("wordsim353.tsv"))
    sl = word_pairs(emb, datapath("simlex999.txt"))
    return ws.spearman, sl.spearman, f"WS pairs {ws.used}/{ws.total}, SL pairs {sl.used}/{sl.total}"


def step_parts(batch: int, reps: int = 30) -> dict[str, float]:
    """Microseconds per pair of one NumPy minibatch step's parts, as the loop runs them, on KJV-like
    sizes (V=5323, d=100, K=5): the gathers, the generated kernel (factored, no loss) and the
    scatters (one weighted CSR product into W_out, one into W_in)."""
    from symw2v.train.loop import load_kernels

    k = load_kernels()
    rng = np.random.default_rng(0)
    V, d, K = 5323, 100, 5
    p = 1 / np.arange(1, V + 1) ** 0.75
    p /= p.sum()
    W = ((rng.random((V, d)) - 0.5) / d).astype(np.float32)
    U = W.copy()
    c, o, n = rng.choice(V, batch, p=p), rng.choice(V, batch, p=p), rng.choice(V, (batch, K), p=p)
    v_c, u_o, u_neg = W[c], U[o], U[n]
    _, g_vc, c_uo, c_uneg = k.neg_sampling_factored(v_c, u_o, u_neg, with_loss=False)
    rows, coef = np.column_stack([o, n]), np.column_stack([c_uo, c_uneg])
    pairs = np.repeat(np.arange(batch), K + 1)
    parts = {
        "gather": lambda: (W.take(c, 0), U.take(o, 0), U.take(n, 0)),
        "kernel": lambda: k.neg_sampling_factored(v_c, u_o, u_neg, with_loss=False),
        "scatter": lambda: (k.scatter_scaled_rows(U, rows, coef, v_c, pairs), k.scatter_rows(W, c, g_vc)),
    }
    times = {}
    for name, fn in parts.items():
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        times[name] = (time.perf_counter() - t) / reps / batch * 1e6
    return times


def block_parts(sentences, negatives: str, blocks: int = 20) -> tuple[float, float]:
    """Microseconds per effective word of the NumPy path on the first ``blocks`` blocks of the
    corpus: drawing the blocks (``BlockSampler.sample``; the loop does it in a second thread) and
    training them (the generated kernels, gathers and scatters)."""
    from symw2v.train.loop import TrainConfig, Trainer
    from symw2v.train.vocab import Vocab

    vocab = Vocab.build(sentences, PARAMS["min_count"])
    tr = Trainer(TrainConfig(**PARAMS, epochs=1, backend="numpy", negatives=negatives), vocab, *vocab.encode(sentences))
    tr._train(tr.blocks.sample(tr.total_blocks - 1))  # warm up: buffers, the generated module
    t = time.perf_counter()
    drawn = [tr.blocks.sample(g) for g in range(blocks)]
    sampling = time.perf_counter() - t
    t = time.perf_counter()
    for blk in drawn:
        tr._train(blk)
    training = time.perf_counter() - t
    words = sum(b.words for b in drawn)
    return sampling / words * 1e6, training / words * 1e6


def parallel_speedup(threads: int, n: int = 30_000_000) -> float:
    """How much faster ``threads`` threads run a nogil Numba loop than one thread, right now: the most
    that Hogwild can gain on this machine at this moment (other work shares its cores)."""
    from concurrent.futures import ThreadPoolExecutor

    from numba import njit

    @njit(nogil=True)
    def spin(n):
        x = 0.0
        for i in range(n):
            x += (i % 7) * 0.5
        return x

    spin(10)
    times = []
    for t in (1, threads):
        start = time.perf_counter()
        with ThreadPoolExecutor(t) as pool:
            list(pool.map(spin, [n] * t))
        times.append((time.perf_counter() - start) / t)
    return times[0] / times[1]


# the child prints its own peak RSS (VmHWM: the high-water mark of its memory since it started;
# ru_maxrss would also count the pages of this process, copied at fork)
PEAK_RSS = ("import atexit, sys; from symw2v.cli import main; atexit.register(lambda: print('VmHWM', "
            "open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)); "
            "sys.argv[0] = 'symw2v'; main()")


def drawn_pairs(sentences, blocks: int = 30):
    """The pairs (centre, context, negatives) of the first ``blocks`` blocks of a 1-epoch Numba trainer,
    and the trainer (its initial ``W_in``, its generated module)."""
    from symw2v.train.loop import TrainConfig, Trainer
    from symw2v.train.vocab import Vocab

    vocab = Vocab.build(sentences, PARAMS["min_count"])
    tr = Trainer(TrainConfig(**PARAMS, epochs=1, backend="numba", threads=1), vocab, *vocab.encode(sentences))
    drawn = [tr.blocks.sample(g) for g in range(blocks)]
    return tr, *(np.concatenate([getattr(b, k) for b in drawn]) for k in ("centre", "context", "negs"))


def row_sharing(sentences, threads: int) -> dict[str, tuple[float, float]]:
    """The generated driver on the pairs of 30 blocks split over ``threads`` threads, against the same
    pairs on one thread: for each way of sharing the parameters, (how many times faster, the threads'
    mean CPU ns per pair). ``own``: each thread updates its own copy of ``W_in`` and ``W_out``;
    ``W_in shared`` / ``W_out shared``: one matrix is shared, the other each thread's own; ``shared``:
    both (Hogwild); ``shared, 512 B rows``: both, each row padded with zeros to 128 floats and starting
    a cache line (against one thread on the same padded rows), so that no two rows share a line: what
    is left is true sharing. CPU time per pair is the cost that sharing adds: it counts the cycles a
    core waits for rows held by the other core, and not the time the thread is not running."""
    from concurrent.futures import ThreadPoolExecutor

    tr, centre, context, negs = drawn_pairs(sentences)
    n = len(centre)
    bounds, steps = np.arange(n + 1, dtype=np.int64), np.full(n, -PARAMS["lr"], dtype=np.float32)
    cuts = np.linspace(0, n, threads + 1).astype(np.int64)

    def chunk(job) -> float:
        W_in, W_out, lo, hi = job
        start = time.thread_time()
        tr.fused.neg_sampling_sgd(W_in, W_out, centre[lo:hi], context[lo:hi], negs[lo:hi], bounds[lo : hi + 1] - lo,
                                  steps[lo:hi], 16, np.zeros(hi - lo))
        return (time.thread_time() - start) / (hi - lo) * 1e9

    def timed(jobs) -> tuple[float, float]:
        start = time.perf_counter()
        with ThreadPoolExecutor(len(jobs)) as pool:
            ns = list(pool.map(chunk, jobs))
        return time.perf_counter() - start, float(np.mean(ns))

    def fresh(width: int = 0):
        pair = tr.W_in.copy(), tr.W_in * np.float32(0.1)
        if not width:
            return pair
        padded = []
        for W in pair:
            buf = np.zeros(W.shape[0] * width + 16, dtype=np.float32)
            start = (-buf.ctypes.data % 64) // 4  # the first row on a cache line, then every row: 512 B apart
            P = buf[start : start + W.shape[0] * width].reshape(W.shape[0], width)
            P[:, : W.shape[1]] = W  # the zero columns stay zero: the same updates, the same scores
            padded.append(P)
        return tuple(padded)

    chunk((*fresh(), 0, 1000))  # compiled
    chunk((*fresh(128), 0, 1000))
    one, one_ns = timed([(*fresh(), 0, n)])
    W_in, W_out = fresh()
    share = {"own": (False, False), "W_in shared": (True, False), "W_out shared": (False, True), "shared": (True, True)}
    result = {}
    for name, (share_in, share_out) in share.items():
        jobs = []
        for t in range(threads):
            own_in, own_out = fresh()
            jobs.append((W_in if share_in else own_in, W_out if share_out else own_out, int(cuts[t]), int(cuts[t + 1])))
        wall, ns = timed(jobs)
        result[name] = (one / wall, ns)
    one_padded, _ = timed([(*fresh(128), 0, n)])
    W_in, W_out = fresh(128)
    wall, ns = timed([(W_in, W_out, int(cuts[t]), int(cuts[t + 1])) for t in range(threads)])
    result["shared, 512 B rows"] = (one_padded / wall, ns)
    return {"1 thread": (1.0, one_ns), **result}


def handoffs(sentences, top: tuple[int, ...] = (0, 64, 1024)) -> dict[int, tuple[float, float]]:
    """Two threads on the two halves of the pairs of 30 blocks, interleaved pair by pair: how many of the
    ``W_out`` rows and of the ``W_in`` rows a pair touches were last touched by the other thread (a row
    that must come from the other core's cache), counting only the rows past the ``top`` most frequent."""
    from numba import njit

    @njit
    def count(a, b, vocab, skip):
        owner = np.full(vocab, -1)
        moved = 0
        for p in range(a.shape[0]):
            for t in range(2):
                rows = a[p] if t == 0 else b[p]
                for r in rows:
                    if r >= skip:
                        moved += owner[r] == 1 - t
                        owner[r] = t
        return moved / (2 * a.shape[0])

    tr, centre, context, negs = drawn_pairs(sentences)
    half = len(centre) // 2
    out, inp = np.column_stack([context, negs]), centre[:, None]
    return {k: (count(out[:half], out[half : 2 * half], len(tr.vocab), k),
                count(inp[:half], inp[half : 2 * half], len(tr.vocab), k)) for k in top}


def c_loop(sentences) -> list[str]:
    """word2vec.c's inner loop (``benchmarks/hogwild_loop.c``, compiled with word2vec's own flags) on the
    same pairs as :func:`row_sharing`: its lines, or why it did not run."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return ["skipped: no C compiler"]
    tr, centre, context, negs = drawn_pairs(sentences)
    with tempfile.TemporaryDirectory() as tmp:
        exe, data = Path(tmp, "hogwild_loop"), Path(tmp, "pairs.bin")
        flags = ["-O3", "-march=native", "-funroll-loops", "-pthread"]  # word2vec's makefile (no fast-math)
        built = subprocess.run([cc, *flags, "-o", str(exe), str(REPO / "benchmarks" / "hogwild_loop.c"), "-lm"],
                               capture_output=True, text=True)
        if built.returncode:
            return [f"skipped: {cc} failed: {built.stderr.strip()[:200]}"]
        with open(data, "wb") as f:
            f.write(np.int32(len(tr.vocab)).tobytes() + np.int64(len(centre)).tobytes())
            for a in (centre, context, negs, tr.W_in):
                f.write(np.ascontiguousarray(a, dtype=np.float32 if a is tr.W_in else np.int32).tobytes())
        return subprocess.run([str(exe), str(data)], capture_output=True, text=True, check=True).stdout.splitlines()


def child_run(args: list[str]) -> tuple[float, float, str]:
    """``symw2v train ARGS`` in a child process: (its peak RSS in MB, wall seconds, its summary line)."""
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", PEAK_RSS, "train", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(f"symw2v train {' '.join(args)} failed: {r.stderr}")
    peak = re.search(r"VmHWM (\d+)", r.stderr)
    return (int(peak.group(1)) / 1024 if peak else float("nan")), seconds, r.stdout.splitlines()[1]


def scale_runs(sentences, times: int, threads: int) -> None:
    """The embedded text once and ``times`` times over, as plain-text files, 1 epoch each in a child."""
    with tempfile.TemporaryDirectory() as tmp:
        text = "\n".join(" ".join(s) for s in sentences) + "\n"
        one, many = Path(tmp, "kjv.txt"), Path(tmp, f"kjv{times}.txt")
        one.write_text(text)
        with open(many, "w") as f:
            for _ in range(times):
                f.write(text)
        common = ["--epochs", "1", "--quiet", "--threads", str(threads), "-o", f"{tmp}/v.bin"]
        for label, path in (("1x (in memory)", one), (f"{times}x, building its id file", many),
                            (f"{times}x, id file built", many)):
            rss, seconds, line = child_run([str(path), *common])
            wps = re.search(r"= ([0-9,]+) words/s", line).group(1)
            print(f"{label:32s} {path.stat().st_size / 1e6:6.1f} MB of text: peak RSS {rss:5.0f} MB, "
                  f"{seconds:5.1f} s wall, {wps} words/s (training loop)", flush=True)
        files = sorted(Path(str(many) + ".symw2v").glob("*.npy"))
        print("id file: " + ", ".join(f"{f.name} {f.stat().st_size / 1e6:.1f} MB" for f in files), flush=True)


def spread(values) -> str:
    v = np.asarray(values)
    return f"{v.mean():.3f} ({v.min():.3f}..{v.max():.3f})"


def hogwild_diagnosis(sentences, thread_counts: list[int]) -> None:
    """What limits Hogwild on this machine: the cores themselves (a nogil loop touching no shared
    memory), then the generated driver and word2vec.c's loop on the same pairs, rows shared or not."""
    print("a nogil Numba loop that shares nothing runs "
          + ", ".join(f"{parallel_speedup(t):.2f}x faster on {t} threads" for t in thread_counts if t > 1)
          + f" than on 1 (load average {os.getloadavg()[0]:.2f})", flush=True)
    for t in thread_counts[1:]:
        parts = ", ".join(f"{name} {x:.2f}x ({ns:.0f} ns)" for name, (x, ns) in row_sharing(sentences, t).items())
        print(f"the generated driver on {t} threads against 1, by what the threads share (CPU ns a pair): {parts}",
              flush=True)
    moved = handoffs(sentences)
    print("rows of a pair last written by the other thread (2 threads, pairs interleaved): "
          + "; ".join(f"{'all rows' if k == 0 else f'past the {k} most frequent'}: W_out {o:.2f}, W_in {i:.2f}"
                      for k, (o, i) in moved.items()), flush=True)
    for line in c_loop(sentences):
        print(f"word2vec.c's loop on the same pairs: {line}", flush=True)


def speed(sentences, args, thread_counts: list[int]) -> None:
    """Every configuration ``--speed-repeat`` times, interleaved (a load that comes and goes hits all
    alike); the median and the best words/s, the cores kept busy, and the ratios of this one run."""
    from symw2v.train.loop import numba_installed

    print(f"\n== speed ({args.speed_epochs} epoch(s), effective words/s of the training loop; load average "
          f"{os.getloadavg()[0]:.2f} at the start)", flush=True)
    # (label, backend, negatives, threads): the NumPy path's default shares each window's negatives
    runs = [] if args.threads_only else [("numpy", "numpy", "auto", 1), ("numpy --negatives pair", "numpy", "pair", 1)]
    if numba_installed():
        runs += [(f"numba --threads {t}", "numba", "auto", t) for t in thread_counts]
    jobs = {("symw2v", label, t): (lambda b=b, n=n, t=t: ours(sentences, args.speed_epochs, 1, args.batch, b, n, t))
            for label, b, n, t in runs}
    jobs.update({("gensim", f"workers={w}", w): (lambda w=w: theirs(sentences, args.speed_epochs, 1, w))
                 for w in thread_counts})
    measured: dict[tuple, list[Run]] = {name: [] for name in jobs}
    for _ in range(args.speed_repeat):
        for name, job in jobs.items():
            measured[name].append(job())
    median = {name: float(np.median([r.wps for r in v])) for name, v in measured.items()}
    gensim = {name[2]: median[name] for name in jobs if name[0] == "gensim"}
    for (who, label, t), wps in median.items():
        runs_of = measured[who, label, t]
        ratios = "" if who == "gensim" else "   " + ", ".join(
            f"/ workers={w}: {wps / g:.2f}x" for w, g in gensim.items())
        print(f"{who} {label:30s} median {wps:>9,.0f} words/s, best {max(r.wps for r in runs_of):>9,.0f}, "
              f"cores busy {np.median([r.cores for r in runs_of]):.2f}" + ratios, flush=True)
    print(f"(load average {os.getloadavg()[0]:.2f} at the end)")
    if numba_installed():
        print("scaling (medians of this run): threads | symw2v numba | gensim | symw2v / gensim at the same workers")
        for t in thread_counts:
            ours_t, theirs_t = median["symw2v", f"numba --threads {t}", t], gensim[t]
            print(f"  {t} | {ours_t:,.0f} ({ours_t / median['symw2v', 'numba --threads 1', 1]:.2f}x) | "
                  f"{theirs_t:,.0f} ({theirs_t / gensim[1]:.2f}x) | {ours_t / theirs_t:.2f}x")


def quality_table(sentences, args, seeds: int, epochs: int, thread_counts: list[int]) -> None:
    """WordSim-353 and SimLex-999 ρ over seeds, and whether the Numba path's mean on N threads lies
    within gensim's seed spread (min..max) with N workers."""
    from symw2v.train.loop import numba_installed

    print(f"\n== quality ({epochs} epochs, {seeds} seed(s); mean (min..max))", flush=True)
    candidates = {"symw2v numpy (window negatives)": lambda s: ours(sentences, epochs, s, args.batch, "numpy")}
    for t in thread_counts:
        candidates[f"gensim workers={t}"] = lambda s, t=t: theirs(sentences, epochs, s, t)
        if numba_installed():
            candidates[f"symw2v numba --threads {t}"] = (
                lambda s, t=t: ours(sentences, epochs, s, args.batch, "numba", threads=t))
    rows = {name: ([], []) for name in candidates}
    note = ""
    for seed in range(1, seeds + 1):
        for name, fn in candidates.items():
            run = fn(seed)
            ws, sl, note = quality(run.words, run.vectors)
            rows[name][0].append(ws)
            rows[name][1].append(sl)
            print(f"  seed {seed} {name}: WordSim-353 {ws:.3f}  SimLex-999 {sl:.3f}", flush=True)
    for name, (ws, sl) in rows.items():
        print(f"{name:32s} WordSim-353 ρ {spread(ws)}   SimLex-999 ρ {spread(sl)}")
    print(f"(in-vocabulary pairs: {note})")
    if seeds < 3:
        print("(no verdict against gensim's seed spread: it needs 3 seeds or more)")
        return
    for t in thread_counts if numba_installed() else []:
        for i, test in enumerate(("WordSim-353", "SimLex-999")):
            mine, theirs_ = np.mean(rows[f"symw2v numba --threads {t}"][i]), rows[f"gensim workers={t}"][i]
            inside = min(theirs_) <= mine <= max(theirs_)
            print(f"{test}: symw2v numba --threads {t} mean {mine:.3f} is {'within' if inside else 'OUTSIDE'} "
                  f"gensim workers={t}'s seed spread {min(theirs_):.3f}..{max(theirs_):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 seed, 1 quality epoch, no cs224n run")
    ap.add_argument("--speed-epochs", type=int, default=1)
    ap.add_argument("--speed-repeat", type=int, default=3, help="runs of each speed configuration, interleaved")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--speed-only", action="store_true", help="only the words/s comparison (and the step parts)")
    ap.add_argument("--threads-only", action="store_true",
                    help="only the Hogwild diagnosis and the words/s of symw2v numba and gensim by threads")
    ap.add_argument("--quality-only", action="store_true", help="only the quality table (over --seeds seeds)")
    ap.add_argument("--scale-only", action="store_true", help="only the runs on a corpus --scale times the embedded")
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--batch", type=int, default=None,
                    help="symw2v minibatch: pairs, or windows with shared negatives (default: the loop's)")
    args = ap.parse_args()
    seeds = 1 if args.quick else args.seeds
    quality_epochs = 1 if args.quick else 5

    from symw2v.train.corpus import load_corpus
    from symw2v.train.hogwild import available_cores
    from symw2v.train.loop import numba_installed

    cores = available_cores()
    thread_counts = sorted({1, 2, cores})
    if not (args.speed_only or args.scale_only or args.quality_only or args.threads_only):
        print(f"peak memory, symw2v train on the default corpus (1 epoch): {peak_memory_mb():.0f} MB", flush=True)
    sentences = list(load_corpus(None)[1])
    print(f"corpus: King James Bible, {sum(map(len, sentences)):,} tokens, {len(sentences):,} sentences; "
          f"{cores} cores available; load average {os.getloadavg()[0]:.2f}")
    if args.quality_only:
        quality_table(sentences, args, seeds, quality_epochs, thread_counts)
        return
    if args.scale_only:
        print(f"\n== scale: the embedded text 1 and {args.scale} times, 1 epoch, --threads {cores}", flush=True)
        scale_runs(sentences, args.scale, cores)
        return

    if numba_installed():
        ours(sentences[:200], 1, 1, args.batch, "numba")  # compile (or load numba's cache) outside the timed runs
        print("\n== why Hogwild scales as it does here", flush=True)
        hogwild_diagnosis(sentences, thread_counts)
    speed(sentences, args, thread_counts)
    if not numba_installed():
        print("symw2v --backend numba: skipped, numba is not installed (pip install 'symw2v[fast]')")
    if args.threads_only:
        return
    for batch in (256, 1024):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in step_parts(batch).items())
        print(f"one NumPy step with per-pair negatives, {batch} pairs, µs per pair: {parts}")
    for negatives in ("window", "pair"):
        sampling, training = block_parts(sentences, negatives)
        print(f"NumPy, negatives per {negatives}, µs per effective word: drawing the blocks {sampling:.2f}, "
              f"training them {training:.2f}")
    if args.speed_only:
        return

    quality_table(sentences, args, seeds, quality_epochs, thread_counts)

    if not args.quick:
        if SST.is_dir():
            seconds, loss = cs224n_run()
            print(f"\n== --preset cs224n on SST: {seconds:.1f} s wall, final loss {loss}")
        else:
            print(f"\n== --preset cs224n: skipped, no {SST}")
        print(f"\n== scale: the embedded text 1 and {args.scale} times, 1 epoch, --threads {cores}", flush=True)
        scale_runs(sentences, args.scale, cores)


if __name__ == "__main__":
    main()
