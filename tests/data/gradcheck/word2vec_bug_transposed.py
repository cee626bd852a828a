"""Planted bug: the outside gradient in the column convention, (D, V)."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import np, softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    yhat = softmax(outsideVectors @ centerWordVec)
    delta = yhat.copy()
    delta[outsideWordIdx] -= 1
    return -np.log(yhat[outsideWordIdx]), outsideVectors.T @ delta, np.outer(centerWordVec, delta)
