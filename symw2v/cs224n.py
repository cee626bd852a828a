"""Drop-in replacements for the CS224N assignment-2 word2vec functions (rows convention).

Same names, signatures, shapes and semantics as the course's ``word2vec.py``: ``outsideVectors``
is (V, D) with one outside vector per row, ``gradOutsideVecs`` is (V, D). The arithmetic is
done by the generated functions of :mod:`symw2v.kernels` (verified closed forms, stable at any
score), called with a batch of one pair; negative samples are scattered with every repeat counted.
"""

from __future__ import annotations

import numpy as np

from . import kernels


def sigmoid(x):
    """The logistic sigmoid, elementwise; finite for every input (sigma(x) = (1 + tanh(x/2)) / 2,
    stability.toml:sigma.tanh)."""
    x = np.asarray(x)
    return 0.5 * (1 + np.tanh(0.5 * x))


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):  # noqa: N802, N803
    """Naive-softmax loss and gradients for one (center, outside) pair.

    centerWordVec (D,), outsideWordIdx int, outsideVectors (V, D)
    -> loss (float), gradCenterVec (D,), gradOutsideVecs (V, D)."""
    loss, g_vc, g_U = kernels.naive_softmax(
        np.asarray(centerWordVec)[None, :], np.array([outsideWordIdx]), np.asarray(outsideVectors)
    )
    return float(loss[0]), g_vc[0], g_U


def getNegativeSamples(outsideWordIdx, dataset, K):  # noqa: N802, N803
    """K negative sample indices drawn with ``dataset.sampleTokenIdx()``, never the outside word."""
    negSampleWordIndices = [None] * K  # noqa: N806
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        while newidx == outsideWordIdx:
            newidx = dataset.sampleTokenIdx()
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):  # noqa: N802, N803
    """Negative-sampling loss and gradients for one pair; a word drawn several times counts
    every time. Returns loss (float), gradCenterVec (D,), gradOutsideVecs (V, D)."""
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)  # noqa: N806
    U = np.asarray(outsideVectors)  # noqa: N806
    neg = np.asarray(negSampleWordIndices, dtype=np.intp)
    loss, g_vc, g_uo, g_uneg = kernels.neg_sampling(
        np.asarray(centerWordVec)[None, :], U[outsideWordIdx][None, :], U[neg][None, :, :]
    )
    gradOutsideVecs = np.zeros_like(U)  # noqa: N806
    kernels.scatter_rows(gradOutsideVecs, np.array([outsideWordIdx]), g_uo)
    kernels.scatter_rows(gradOutsideVecs, neg, g_uneg[0])
    return float(loss[0]), g_vc[0], gradOutsideVecs


def skipgram(  # noqa: PLR0913
    currentCenterWord,  # noqa: N803
    windowSize,  # noqa: N803
    outsideWords,  # noqa: N803
    word2Ind,  # noqa: N803
    centerWordVectors,  # noqa: N803
    outsideVectors,  # noqa: N803
    dataset,
    word2vecLossAndGradient=naiveSoftmaxLossAndGradient,  # noqa: N803
):
    """Skip-gram loss for one window: the sum over the outside words of the pair loss.

    -> loss (float), gradCenterVecs (V, D) (only the center word's row is non-zero, claims
    i.v_w / i.ns.v_w), gradOutsideVectors (V, D). With the default naive softmax the whole
    window goes through ``skipgram_naive_softmax`` in one call; any other pair function is
    called once per outside word, as in the course."""
    C = np.asarray(centerWordVectors)  # noqa: N806
    U = np.asarray(outsideVectors)  # noqa: N806
    gradCenterVecs = np.zeros(C.shape, dtype=np.result_type(C, U))  # noqa: N806
    gradOutsideVectors = np.zeros(U.shape, dtype=np.result_type(C, U))  # noqa: N806
    c = word2Ind[currentCenterWord]
    ctx = np.array([word2Ind[w] for w in outsideWords], dtype=np.intp)
    if len(ctx) == 0:
        return 0.0, gradCenterVecs, gradOutsideVectors
    if word2vecLossAndGradient is naiveSoftmaxLossAndGradient:
        loss, g_vc, g_U = kernels.skipgram_naive_softmax(C[c][None, :], ctx[None, :], U)
        gradCenterVecs[c] = g_vc[0]
        return float(loss[0]), gradCenterVecs, g_U.astype(gradOutsideVectors.dtype, copy=False)
    loss = 0.0
    for o in ctx:
        pair_loss, g_vc, g_U = word2vecLossAndGradient(C[c], int(o), U, dataset)
        loss += pair_loss
        gradCenterVecs[c] += g_vc
        gradOutsideVectors += g_U
    return loss, gradCenterVecs, gradOutsideVectors
