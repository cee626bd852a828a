"""Planted bug: skipgram counts an outside word that occurs twice in the window once."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import naiveSoftmaxLossAndGradient, np


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind,
             centerWordVectors, outsideVectors, dataset,
             word2vecLossAndGradient=naiveSoftmaxLossAndGradient):
    loss = 0.0
    gradCenterVecs = np.zeros(centerWordVectors.shape)
    gradOutsideVectors = np.zeros(outsideVectors.shape)
    c = word2Ind[currentCenterWord]
    for word in set(outsideWords):
        pair_loss, g_c, g_out = word2vecLossAndGradient(centerWordVectors[c], word2Ind[word], outsideVectors, dataset)
        loss += pair_loss
        gradCenterVecs[c] += g_c
        gradOutsideVectors += g_out
    return loss, gradCenterVecs, gradOutsideVectors
