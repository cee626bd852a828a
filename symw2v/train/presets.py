"""Named settings: the CS224N course's run and the original word2vec tool's defaults.

* ``cs224n`` — assignment 2's ``run.py``: D = 10, window 5 (drawn in 1..5 per centre), minibatches of
  50 centre words, loss = sum over the context words averaged over the 50 centres, SGD step 0.3
  halved every 20,000 iterations, 40,000 iterations, negative sampling with K = 10 (the starter's
  default), every word of the corpus kept (min count 1), subsampling ``sqrt(1e-5 N / f)`` (the
  starter's ``rejectProb``), context words equal to the centre dropped (as ``getRandomContext``).
  Meant for the Stanford Sentiment Treebank sentences.
* ``word2vec`` — the original tool's skip-gram defaults: d = 100, window 5, K = 5, sample 1e-3,
  min count 5, learning rate 0.025 decaying linearly to 0 (floor 0.025e-4), 5 epochs.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    "cs224n": dict(
        dim=10,
        window=5,
        negative=10,
        loss="neg",
        sample=1e-5,
        subsample="paper",
        min_count=1,
        iterations=40000,
        centres=50,
        lr=0.3,
        schedule="step",
        step_every=20000,
        step_factor=0.5,
        exclude_centre_word=True,
    ),
    "word2vec": dict(
        dim=100,
        window=5,
        negative=5,
        loss="neg",
        sample=1e-3,
        subsample="word2vec",
        min_count=5,
        epochs=5,
        iterations=0,
        lr=0.025,
        schedule="linear",
    ),
}

# What each preset says it needs from the corpus (checked by the CLI for a clear message).
PRESET_CORPUS = {"cs224n": "the Stanford Sentiment Treebank folder (holding datasetSentences.txt)"}
