"""``symw2v train``: word2vec skip-gram trained with the generated (verified) gradient kernels.

One idea per module: ``corpus`` (reading text), ``vocab`` (words and ids), ``sampling`` (negatives,
subsampling, dynamic windows), ``loop`` (the SGD loop), ``checkpoint`` (atomic save / exact resume),
``export`` (word2vec text/binary), ``evaluate`` (neighbours, similarity, analogies), ``plot``
(2-D projection to PNG), ``presets`` (the course's and word2vec's settings).
"""
