"""A correct CS224N word2vec.py in plain NumPy, written the way the course's solution is
(sigmoid as 1 / (1 + exp(-x)), which overflows harmlessly to 0 at x = -1000); the reference
``symw2v gradcheck`` must pass. The word2vec_bug_*.py files each plant one known bug in it."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def naiveSoftmaxLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset):
    yhat = softmax(outsideVectors @ centerWordVec)
    loss = -np.log(yhat[outsideWordIdx])
    delta = yhat.copy()
    delta[outsideWordIdx] -= 1
    gradCenterVec = outsideVectors.T @ delta
    gradOutsideVecs = np.outer(delta, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs


def getNegativeSamples(outsideWordIdx, dataset, K):
    negSampleWordIndices = [None] * K
    for k in range(K):
        newidx = dataset.sampleTokenIdx()
        while newidx == outsideWordIdx:
            newidx = dataset.sampleTokenIdx()
        negSampleWordIndices[k] = newidx
    return negSampleWordIndices


def negSamplingLossAndGradient(centerWordVec, outsideWordIdx, outsideVectors, dataset, K=10):
    negSampleWordIndices = getNegativeSamples(outsideWordIdx, dataset, K)
    u_o = outsideVectors[outsideWordIdx]
    s_o = sigmoid(u_o @ centerWordVec)
    s_k = sigmoid(-outsideVectors[negSampleWordIndices] @ centerWordVec)
    loss = -np.log(s_o) - np.sum(np.log(s_k))
    gradCenterVec = (s_o - 1) * u_o + (1 - s_k) @ outsideVectors[negSampleWordIndices]
    gradOutsideVecs = np.zeros_like(outsideVectors)
    gradOutsideVecs[outsideWordIdx] += (s_o - 1) * centerWordVec
    for k, idx in enumerate(negSampleWordIndices):
        gradOutsideVecs[idx] += (1 - s_k[k]) * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind,
             centerWordVectors, outsideVectors, dataset,
             word2vecLossAndGradient=naiveSoftmaxLossAndGradient):
    loss = 0.0
    gradCenterVecs = np.zeros(centerWordVectors.shape)
    gradOutsideVectors = np.zeros(outsideVectors.shape)
    c = word2Ind[currentCenterWord]
    for word in outsideWords:
        pair_loss, g_c, g_out = word2vecLossAndGradient(centerWordVectors[c], word2Ind[word], outsideVectors, dataset)
        loss += pair_loss
        gradCenterVecs[c] += g_c
        gradOutsideVectors += g_out
    return loss, gradCenterVecs, gradOutsideVectors
