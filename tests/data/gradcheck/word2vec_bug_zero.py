"""Planted bug: the stub returns all-zero gradients (the course's own check passes it)."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import np, softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    loss = -np.log(softmax(outsideVectors @ centerWordVec)[outsideWordIdx])
    return loss, np.zeros_like(centerWordVec), np.zeros_like(outsideVectors)
