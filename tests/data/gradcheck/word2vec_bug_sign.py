"""Planted bug: the centre gradient of naive softmax with the wrong sign."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import np, softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    yhat = softmax(outsideVectors @ centerWordVec)
    delta = yhat.copy()
    delta[outsideWordIdx] -= 1
    return -np.log(yhat[outsideWordIdx]), outsideVectors.T @ -delta, np.outer(delta, centerWordVec)
