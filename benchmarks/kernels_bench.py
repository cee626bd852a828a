"""Generated NumPy functions vs hand-written NumPy, and the scatter variants, in one run.

    python benchmarks/kernels_bench.py [--repeat N]

Ratios are time(generated) / time(hand-written), best of N runs each, interleaved. The
hand-written references are what one would write by hand for the same batched contract
(stable softmax, einsum for the batched products).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from symw2v import kernels
from symw2v.kernels import scatter


def ref_naive_softmax(v_c, o, U):
    s = v_c @ U.T
    s -= s.max(axis=1, keepdims=True)
    np.exp(s, out=s)
    z = s.sum(axis=1, keepdims=True)
    s /= z
    rows = np.arange(len(o))
    loss = -np.log(s[rows, o])
    s[rows, o] -= 1
    return loss, s @ U, s.T @ v_c


def ref_neg_sampling(v_c, u_o, u_neg):
    def sigmoid(x):
        return 0.5 * (1 + np.tanh(0.5 * x))

    so = np.einsum("bd,bd->b", u_o, v_c)
    sn = np.einsum("bkd,bd->bk", u_neg, v_c)
    po, pn = sigmoid(so), sigmoid(sn)  # pn = 1 - sigma(-sn)
    loss = np.logaddexp(0, -so) + np.logaddexp(0, sn).sum(axis=1)
    g_vc = (po - 1)[:, None] * u_o + np.einsum("bkd,bk->bd", u_neg, pn)
    g_uo = (po - 1)[:, None] * v_c
    g_uneg = pn[:, :, None] * v_c[:, None, :]
    return loss, g_vc, g_uo, g_uneg


def best(fn, args, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def compare(name, gen, ref, args, repeat):
    for a, b in zip(gen(*args), ref(*args), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    tg, tr = [], []
    for _ in range(repeat):  # interleaved, so that load from other processes hits both
        tg.append(best(gen, args, 1))
        tr.append(best(ref, args, 1))
    g, r = min(tg), min(tr)
    print(f"{name:52s} generated {g * 1e3:8.2f} ms   hand-written {r * 1e3:8.2f} ms   ratio {g / r:5.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"generated module: {kernels.GENERATED_FILE}")

    V, d, B = 10_000, 100, 64
    U = rng.standard_normal((V, d)) * 0.1
    v_c = rng.standard_normal((B, d)) * 0.1
    o = rng.integers(0, V, B)
    compare(f"naive softmax V={V}, d={d}, B={B}", kernels.naive_softmax, ref_naive_softmax, (v_c, o, U), args.repeat)

    B, K = 4096, 10
    v_c = rng.standard_normal((B, d)) * 0.1
    u_o = rng.standard_normal((B, d)) * 0.1
    u_neg = rng.standard_normal((B, K, d)) * 0.1
    compare(f"negative sampling B={B}, K={K}, d={d}", kernels.neg_sampling, ref_neg_sampling, (v_c, u_o, u_neg),
            args.repeat)

    scatter_table(rng, args.repeat)


def zipf_indices(rng, V, n):
    """Indices drawn as training draws them: unigram^0.75 of a Zipf-like vocabulary (many repeats)."""
    p = 1 / np.arange(1, V + 1) ** 0.75
    return rng.choice(V, n, p=p / p.sum())


def scatter_table(rng, repeat, V=12_000, d=100, K=5):
    """ns per row of each scatter variant at the sizes training uses: N = B (centres, contexts),
    B*K (negatives) and B*(K+2) (all rows of a step) for B = 256 and 1024; float32 like training."""
    sizes = [(f"B={B}: N={n}", n) for B in (256, 1024) for n in (B, B * K, B * (K + 2))]
    print(f"scatter into V={V} rows of d={d} (float32), Zipf^0.75 indices, repeats included; ns per row:")
    print(f"  {'variant':40s}" + "".join(f"{label:>17s}" for label, _ in sizes))
    data = {n: (zipf_indices(rng, V, n), rng.standard_normal((n, d)).astype(np.float32)) for _, n in sizes}
    fastest = {}
    for name, fn in [*scatter.VARIANTS.items(), ("scatter_rows (used)", kernels.scatter_rows)]:
        cells = []
        for _, n in sizes:
            idx, rows = data[n]
            if (name.startswith("one-hot") and n > 2048) or (name == "np.bincount per column" and n < 1024):
                cells.append(f"{'-':>17s}")  # u x N one-hot too big / 100 passes over V: far off the pace
                continue
            expect = np.zeros((V, d))
            np.add.at(expect, idx, rows.astype(np.float64))
            G = np.zeros((V, d), np.float32)
            fn(G, idx, rows)
            np.testing.assert_allclose(G, expect, rtol=1e-4, atol=1e-4, err_msg=name)  # every repeat counted
            t = best(lambda fn=fn, G=G, idx=idx, rows=rows: fn(G, idx, rows), (), repeat) / n * 1e9
            if not name.startswith("scatter_rows"):
                fastest[n] = min(fastest.get(n, (np.inf, "")), (t, name))
            cells.append(f"{t:17.0f}")
        print(f"  {name:40s}" + "".join(cells))
    print("  fastest: " + "; ".join(f"N={n}: {name}" for n, (_, name) in sorted(fastest.items())))
    idx, rows = data[sizes[-1][1]]
    expect = np.zeros((V, d), np.float32)
    np.add.at(expect, idx, rows)
    wrong = np.zeros((V, d), np.float32)
    wrong[idx] += rows
    print(f"  (G[idx] += rows is wrong here: max error {np.abs(wrong - expect).max():.3g})")
    print(f"used by scatter_rows: {scatter.USED}")

if __name__ == "__main__":
    main()
