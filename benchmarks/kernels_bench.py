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

    N = B * K
    idx = rng.integers(0, V, N)
    rows = rng.standard_normal((N, d))
    expect = np.zeros((V, d))
    np.add.at(expect, idx, rows)
    print(f"scatter of N={N} rows (d={d}) into V={V} rows, repeats included (time per row):")
    for name, fn in scatter.VARIANTS.items():
        if name.startswith("one-hot") and N * min(N, V) > 5e7:
            n = 2048  # the one-hot matrix is u x N: measured on fewer rows
            small = np.zeros((V, d))
            t = best(lambda fn=fn, n=n, small=small: fn(small, idx[:n], rows[:n]), (), 3)
            print(f"  {name:40s} {t / n * 1e9:8.1f} ns/row   (N={n}: the u x N one-hot does not fit at N={N})")
            continue
        G = np.zeros((V, d))
        fn(G, idx, rows)
        assert np.allclose(G, expect), name
        t = best(lambda fn=fn, G=G: fn(G, idx, rows), (), 5)
        print(f"  {name:40s} {t / N * 1e9:8.1f} ns/row")
    wrong = np.zeros((V, d))
    wrong[idx] += rows
    print(f"  (G[idx] += rows is wrong here: max error {np.abs(wrong - expect).max():.3g})")
    print(f"used by scatter_rows: {scatter.USED}")


if __name__ == "__main__":
    main()
