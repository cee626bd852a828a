"""``symw2v train``: word2vec skip-gram trained with the generated (verified) gradient kernels.

One idea per module: ``corpus`` (reading text in bounded memory), ``vocab`` (words and ids),
``idcache`` (a large corpus's ids in a memory-mapped file), ``sampling`` (negatives, subsampling,
dynamic windows), ``blocks`` (each block's randomness), ``loop`` (the SGD loop), ``hogwild`` (the
Numba driver on several threads), ``checkpoint`` (atomic, checksummed save / exact resume),
``session`` (one run end to end), ``export`` (word2vec text/binary), ``evaluate`` (neighbours,
similarity, analogies), ``plot`` (2-D projection to PNG), ``presets`` (the course's and word2vec's
settings).
"""
