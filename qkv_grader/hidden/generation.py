"""Hidden cases of ps09, "Generating text: the KV cache and shared heads" (instructor side only):
the inputs that :mod:`qkv_course.checks.generation`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.generation import BytesCase, GQACase, StepCase, gqa_case, step_case


def gqa_cases() -> list[GQACase]:
    """Multi-query (h_kv = 1), ordinary multi-head (h_kv = h), groups of 2 and 4, batch axes, a
    causal mask, a mask with a query that sees nothing, decoding (one query, many keys)."""
    empty = np.ones((3, 5), dtype=bool)
    empty[1] = False
    causal = np.tril(np.ones((5, 5), dtype=bool))
    return [
        gqa_case((), 6, 1, 4, 4, 3, 3, seed=191),
        gqa_case((), 3, 3, 2, 5, 4, 2, seed=192),
        gqa_case((2,), 8, 2, 5, 5, 4, 4, seed=193, mask=causal),
        gqa_case((2, 3), 4, 2, 3, 5, 2, 3, seed=194, mask=empty),
        gqa_case((), 8, 2, 1, 9, 4, 4, seed=195),
    ]


def bad_gqa_cases() -> list[GQACase]:
    """h_kv does not divide h; K and V with different numbers of heads."""
    return [gqa_case((), 6, 4, 2, 2, 2, 2, seed=196), gqa_case((2,), 4, 2, 2, 3, 2, 2, seed=197, v_heads=1)]


def step_cases() -> list[StepCase]:
    """The first step (empty cache), several lengths, batches of 1 and 3 and two batch axes,
    multi-query, grouped-query and ordinary multi-head."""
    return [step_case((), 0, 8, 4, 1, seed=198), step_case((), 7, 12, 3, 3, seed=199),
            step_case((3,), 5, 8, 4, 2, seed=200), step_case((1,), 12, 16, 8, 4, seed=201),
            step_case((2, 2), 2, 6, 2, 1, seed=202)]


def bytes_cases() -> list[BytesCase]:
    """float32 for one token, Llama-style (GQA) at full context, GPT-2 small for a batch, one byte per number."""
    return [BytesCase(24, 4, 64, 1, bytes_per_number=4), BytesCase(32, 8, 128, 8192),
            BytesCase(12, 12, 64, 1024, batch=8), BytesCase(2, 1, 16, 300, batch=5, bytes_per_number=1)]
