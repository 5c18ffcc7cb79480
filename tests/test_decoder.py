"""qkv_course.decoder, chapter 9's tiny GPT: the cache gives exactly the full forward pass,
grouped-query heads share keys and values, a few training steps lower the loss, and generation
is the same with and without the cache. Small and quick (a few seconds on one core)."""

from __future__ import annotations

import math

import pytest
import torch

from qkv_course import decoder as dc
from qkv_course import generation


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    text = dc.course_text()
    tok = dc.CharTokenizer(text)
    return tok, tok.encode(text)


def test_the_text_is_the_courses_own_prose(setup):
    tok, data = setup
    text = dc.course_text()
    assert 30_000 < len(text) < 40_000 and "attention" in text and "```" not in text
    assert tok.decode(tok.encode(text[:200])) == text[:200]
    assert tok.vocab_size == len(set(text))


@pytest.mark.parametrize("kv_heads", [4, 2, 1])
def test_the_cache_gives_the_full_causal_forward(setup, kv_heads):
    tok, data = setup
    model = dc.TinyGPT(dc.Config(tok.vocab_size, num_kv_heads=kv_heads)).double().eval()
    ids = data[:40]
    with torch.no_grad():
        full = model(ids[None])[0]
        cache = model.new_cache()
        steps = torch.stack([model.step(ids[i:i + 1], cache)[0] for i in range(len(ids))])
    assert (steps - full).abs().max().item() < 1e-10
    c = model.c
    assert cache.nbytes() == generation.kv_cache_bytes(c.n_layers, kv_heads, c.d_head, 40, bytes_per_number=8)


def test_kv_heads_must_divide_the_heads(setup):
    tok, _ = setup
    with pytest.raises(ValueError, match="divide"):
        dc.TinyGPT(dc.Config(tok.vocab_size, num_heads=4, num_kv_heads=3))


def test_a_few_steps_lower_the_loss(setup):
    tok, data = setup
    torch.set_num_threads(1)
    model = dc.TinyGPT(dc.Config(tok.vocab_size, d_model=32, n_layers=1))
    before = dc.evaluate(model, data[:2000])
    losses = dc.train(model, data, steps=40, batch=8, length=32)
    assert abs(before - math.log(tok.vocab_size)) < 1.0            # untrained: near a uniform guess
    assert dc.evaluate(model, data[:2000]) < before - 0.5 and losses[-1] < losses[0]


def test_generation_is_the_same_with_and_without_the_cache(setup):
    tok, data = setup
    model = dc.TinyGPT(dc.Config(tok.vocab_size, d_model=32, n_layers=1)).eval()
    prompt = tok.encode("The query ")
    for kwargs in ({"greedy": True}, {"temperature": 0.7, "seed": 3}):
        a = dc.generate(model, prompt, 20, use_cache=True, **kwargs)
        b = dc.generate(model, prompt, 20, use_cache=False, **kwargs)
        assert torch.equal(a, b) and len(a) == len(prompt) + 20
    with pytest.raises(ValueError, match="positions"):
        dc.generate(model, prompt, model.c.max_len, greedy=True)
