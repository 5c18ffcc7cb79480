"""Hidden cases of ps11, "Attention in a trained model and in a real transformer" (instructor side
only): the inputs that :mod:`qkv_course.checks.trained`'s checks use with ``hidden=True``."""

from __future__ import annotations

#: The seed of each training run of the retrieval model (toy.train_retrieval's seed: the
#: initialisation and the training batches; the held-out examples use seed 10_000 + seed).
TRAINING_SEEDS = (1, 2)


def minilm_cases() -> list[tuple[tuple[str, ...], int]]:
    """(sentences, layer) of each call of minilm_self_attention: several layers, one sentence and
    padded batches of sentences of different lengths."""
    return [
        (("Attention is all you need.",), 3),
        (("The cat sat on the mat.", "Dogs bark.", "A query meets every key, and the values are mixed."), 5),
        (("Short.", "This sentence is a little longer than the first one."), 1),
    ]


def toy_cases() -> list[tuple[tuple[int, ...], float, int]]:
    """(X shape, scale of X, layer seed) of each call of retrieval_attention."""
    return [((3, 7, 32), 1.0, 1), ((5, 6), 1.0, 2), ((2, 3, 4, 8), 1.0, 3), ((2, 1, 4), 1.0, 4),
            ((2, 5, 1), 1.0, 5), ((2, 6, 8), 30.0, 6)]
