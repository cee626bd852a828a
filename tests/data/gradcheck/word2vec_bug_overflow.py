"""Planted bug: sigmoid as exp(x) / (1 + exp(x)), NaN at x = 1000."""
from word2vec_ref import *  # noqa: F403
from word2vec_ref import np


def sigmoid(x):
    return np.exp(x) / (1 + np.exp(x))
