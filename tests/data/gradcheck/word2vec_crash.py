"""Kills its process in the middle of a check (like a segfault in an extension)."""
import os

from word2vec_ref import *  # noqa: F403


def sigmoid(x):
    os.abort()
