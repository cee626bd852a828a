"""Planted bug: yhat where yhat - y belongs."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import np, softmax


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    yhat = softmax(outsideVectors @ centerWordVec)
    return -np.log(yhat[outsideWordIdx]), outsideVectors.T @ yhat, np.outer(yhat, centerWordVec)
