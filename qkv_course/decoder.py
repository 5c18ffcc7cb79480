"""A tiny decoder-only transformer (GPT-style) for chapter 9: trained on characters, sampled with a
temperature, and run step by step with a KV cache.

The model is the block of chapter 8 in its pre-norm form, with a causal mask and learned
positions, small enough to train in seconds on one CPU core:

    tokens (B, T) -> embedding + position (B, T, d) -> n_layers x block -> LayerNorm -> logits (B, T, V)

Its attention lets groups of query heads share keys and values (``num_kv_heads``: equal to
``num_heads`` is ordinary multi-head attention, 1 is multi-query attention). :meth:`TinyGPT.step`
runs one new token against a :class:`Cache` of every earlier token's keys and values, which is
what generation does; :meth:`TinyGPT.forward` runs every position at once, which is what
training does. The text is the course's own prose (``data/course_text.txt``, from chapters 1-7).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from importlib import resources

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["course_text", "CharTokenizer", "Config", "TinyGPT", "Cache", "train", "generate",
           "evaluate", "seconds_per_token"]


def course_text() -> str:
    """The training text: about 36 KB of the course's own prose (chapters 1-7, without code)."""
    return resources.files("qkv_course").joinpath("data/course_text.txt").read_text(encoding="utf-8")


class CharTokenizer:
    """Characters <-> integer ids, the vocabulary being the characters of ``text``, sorted."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        return torch.tensor([self.index[c] for c in text], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


@dataclass(frozen=True)
class Config:
    vocab_size: int
    d_model: int = 64
    n_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 4
    max_len: int = 256

    @property
    def d_head(self) -> int:
        return self.d_model // self.num_heads


@dataclass
class Cache:
    """Keys and values of the tokens seen so far, per layer: K, V (B, num_kv_heads, t, d_head)."""

    K: list[torch.Tensor | None] = field(default_factory=list)
    V: list[torch.Tensor | None] = field(default_factory=list)

    @property
    def length(self) -> int:
        return 0 if not self.K or self.K[0] is None else self.K[0].shape[-2]

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in (*self.K, *self.V) if t is not None)


class Attention(nn.Module):
    """Causal self-attention whose query heads share ``num_kv_heads`` key/value heads."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        if c.num_heads % c.num_kv_heads:
            raise ValueError(f"num_kv_heads={c.num_kv_heads} must divide num_heads={c.num_heads}")
        self.c = c
        self.q = nn.Linear(c.d_model, c.d_model)
        self.kv = nn.Linear(c.d_model, 2 * c.num_kv_heads * c.d_head)
        self.o = nn.Linear(c.d_model, c.d_model)

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        B, T, _ = x.shape
        c = self.c
        q = self.q(x).view(B, T, c.num_heads, c.d_head).transpose(1, 2)          # (B, h, T, d)
        k, v = self.kv(x).view(B, T, 2, c.num_kv_heads, c.d_head).permute(2, 0, 3, 1, 4)
        return q, k, v                                                           # k, v: (B, h_kv, T, d)

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool) -> torch.Tensor:
        group = self.c.num_heads // self.c.num_kv_heads
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)   # head i reads kv i // group
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.c.d_head)
        if causal:
            T = q.shape[-2]
            scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        out = scores.softmax(dim=-1) @ v                                         # (B, h, T_q, d)
        B, h, T, d = out.shape
        return self.o(out.transpose(1, 2).reshape(B, T, h * d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self._heads(x)
        return self._attend(q, k, v, causal=True)

    def step(self, x: torch.Tensor, cache: Cache, layer: int) -> torch.Tensor:
        """x (B, 1, d_model), the newest token: append its key and value to the cache, then attend
        over every cached token (no mask needed: the cache holds only the past and itself)."""
        q, k, v = self._heads(x)
        if cache.K[layer] is not None:
            k = torch.cat([cache.K[layer], k], dim=-2)
            v = torch.cat([cache.V[layer], v], dim=-2)
        cache.K[layer], cache.V[layer] = k, v
        return self._attend(q, k, v, causal=False)


class Block(nn.Module):
    """A pre-norm block (chapter 8): x + attention(LN(x)), then + FFN(LN(x))."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.attn = Attention(c)
        self.ffn = nn.Sequential(nn.Linear(c.d_model, 4 * c.d_model), nn.GELU(), nn.Linear(4 * c.d_model, c.d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))

    def step(self, x: torch.Tensor, cache: Cache, layer: int) -> torch.Tensor:
        x = x + self.attn.step(self.ln1(x), cache, layer)
        return x + self.ffn(self.ln2(x))


class TinyGPT(nn.Module):
    """Token ids (B, T) -> next-character logits (B, T, vocab_size)."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c.vocab_size, c.d_model)
        self.position = nn.Embedding(c.max_len, c.d_model)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layers))
        self.ln = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.vocab_size)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[-1]
        x = self.embed(idx) + self.position(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x))

    def new_cache(self) -> Cache:
        return Cache([None] * self.c.n_layers, [None] * self.c.n_layers)

    def step(self, idx: torch.Tensor, cache: Cache) -> torch.Tensor:
        """The next token's logits (B, vocab_size) from one new token id per sequence, idx (B,),
        at position cache.length; its keys and values are appended to ``cache``."""
        x = self.embed(idx)[:, None, :] + self.position.weight[cache.length]
        for layer, b in enumerate(self.blocks):
            x = b.step(x, cache, layer)
        return self.head(self.ln(x))[:, 0]


def _batch(data: torch.Tensor, batch: int, length: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    start = torch.randint(0, len(data) - length - 1, (batch,), generator=g)
    x = torch.stack([data[s:s + length] for s in start.tolist()])
    y = torch.stack([data[s + 1:s + length + 1] for s in start.tolist()])
    return x, y


def train(model: TinyGPT, data: torch.Tensor, steps: int = 300, batch: int = 24, length: int = 64,
          lr: float = 3e-3, seed: int = 0) -> list[float]:
    """Train on random windows of ``data`` (token ids) with AdamW; the loss of every step."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    model.train()
    losses = []
    for _ in range(steps):
        x, y = _batch(data, batch, length, g)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def evaluate(model: TinyGPT, data: torch.Tensor, length: int = 64) -> float:
    """Mean cross-entropy (nats per character) over consecutive windows of ``data``."""
    n = (len(data) - 1) // length
    x = data[:n * length].view(n, length)
    y = data[1:n * length + 1].view(n, length)
    return float(F.cross_entropy(model(x).flatten(0, 1), y.flatten()))


@torch.no_grad()
def generate(model: TinyGPT, prompt: torch.Tensor, new_tokens: int, temperature: float = 1.0,
             use_cache: bool = True, seed: int = 0, greedy: bool = False) -> torch.Tensor:
    """Continue ``prompt`` (T,) by ``new_tokens`` ids, sampling from softmax(logits / temperature)
    (or taking the argmax with ``greedy``), with the KV cache or by re-running the whole sequence
    at every step."""
    g = torch.Generator().manual_seed(seed)
    ids = prompt.tolist()
    cache = model.new_cache()
    if use_cache:
        for t in ids:
            logits = model.step(torch.tensor([t]), cache)
    if len(ids) + new_tokens > model.c.max_len:
        raise ValueError(f"{len(ids)} + {new_tokens} tokens do not fit the model's {model.c.max_len} positions")
    for i in range(new_tokens):
        if not use_cache:
            logits = model(torch.tensor([ids]))[:, -1]
        if greedy:
            nxt = int(logits[0].argmax())
        else:
            nxt = int(torch.multinomial((logits[0] / temperature).softmax(-1), 1, generator=g))
        ids.append(nxt)
        if use_cache and i + 1 < new_tokens:
            logits = model.step(torch.tensor([nxt]), cache)
    return torch.tensor(ids)


@torch.no_grad()
def seconds_per_token(model: TinyGPT, context: int, use_cache: bool, tokens: int = 16) -> float:
    """Seconds to produce one more token once ``context`` tokens are there: with the cache (one
    ``step``) or without it (a forward pass over all context + 1 tokens), averaged over ``tokens``."""
    ids = torch.zeros(1, context, dtype=torch.long)
    cache = model.new_cache()
    if use_cache:
        for t in range(context):
            model.step(ids[:, t], cache)
    start = time.perf_counter()
    for i in range(tokens):
        if use_cache:
            model.step(torch.zeros(1, dtype=torch.long), cache)
        else:
            model(torch.zeros(1, context + i + 1, dtype=torch.long))
    return (time.perf_counter() - start) / tokens
