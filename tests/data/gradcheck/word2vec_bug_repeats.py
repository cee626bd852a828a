"""Planted bug: repeated negative samples counted once (G[idx] += rows)."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import getNegativeSamples, np, sigmoid


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
    neg = getNegativeSamples(outsideWordIdx, dataset, K)
    u_o = outsideVectors[outsideWordIdx]
    s_o = sigmoid(u_o @ centerWordVec)
    s_k = sigmoid(-outsideVectors[neg] @ centerWordVec)
    loss = -np.log(s_o) - np.sum(np.log(s_k))
    gradCenterVec = (s_o - 1) * u_o + (1 - s_k) @ outsideVectors[neg]
    gradOutsideVecs = np.zeros_like(outsideVectors)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    gradOutsideVecs[neg] += np.outer(1 - s_k, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs
