"""qkv_course.cost: the cost definitions, exact chunked attention, the approximations and
the measuring helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qkv_course import attention, cost as cx, masking


def _qkv(batch=(), n_q=5, n_k=7, d_k=4, d_v=3, seed=0, scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return tuple((s * rng.normal(size=batch + shape)).astype(dtype)
                 for s, shape in ((scale, (n_q, d_k)), (scale, (n_k, d_k)), (1.0, (n_k, d_v))))


# --------------------------------------------------------------------------- counting

def test_flops_count_two_per_multiply_add_in_both_products():
    # 4 queries x 4 keys, d_k = d_v = 2: 16 dot products of length 2 for the scores and 8 of
    # length 4 for the output: 32 + 32 multiply-adds = 128 FLOPs.
    assert cx.attention_flops(4, 4, 2, 2) == 128
    assert cx.attention_flops(3, 5, 2, 4) == 2 * 3 * 5 * 2 + 2 * 3 * 5 * 4
    n, d = 1 << 20, 128
    assert cx.attention_flops(n, n, d, d) == 4 * n * n * d
    assert isinstance(cx.attention_flops(np.int64(8), 8, 8, 8), int)


def test_memory_is_one_matrix_in_bytes():
    assert cx.attention_memory_bytes(4, 4) == 64
    assert cx.attention_memory_bytes(3, 5, itemsize=8) == 120
    assert cx.attention_memory_bytes(131072, 131072, 2) == 32 * 2**30


@pytest.mark.parametrize("args", [(0, 4, 2, 2), (4, 4, 2.5, 2), (4, -1, 2, 2), (4, "4", 2, 2)])
def test_counts_reject_nonsense(args):
    with pytest.raises(ValueError):
        cx.attention_flops(*args)


def test_memory_rejects_a_zero_itemsize():
    with pytest.raises(ValueError, match="itemsize"):
        cx.attention_memory_bytes(4, 4, itemsize=0)


# --------------------------------------------------------------------------- exact attention

def _exact(Q, K, V, mask=None):
    return attention.scaled_dot_product_attention(Q, K, V, mask)[0]


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 6, 7, 8, 100])
def test_chunked_equals_exact_for_every_chunk_size(chunk_size):
    Q, K, V = _qkv()
    np.testing.assert_allclose(cx.chunked_attention(Q, K, V, chunk_size), _exact(Q, K, V), atol=1e-12)


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_chunked_and_naive_handle_batch_axes_and_masks(batch):
    Q, K, V = _qkv(batch, seed=1)
    rng = np.random.default_rng(2)
    mask = rng.random(batch + (5, 7)) < 0.5
    mask[..., 0, :] = False                      # a query with nothing to attend to
    mask[..., 1, :4] = False                     # a query whose first chunks are all blocked
    mask[..., 1, 6] = True
    expected = _exact(Q, K, V, mask)
    with np.errstate(all="raise"):               # no NaN made and hidden on the way
        for c in (1, 2, 3, 7, 9):
            np.testing.assert_allclose(cx.chunked_attention(Q, K, V, c, mask), expected, atol=1e-12)
        np.testing.assert_allclose(cx.naive_attention(Q, K, V, mask), expected, atol=1e-12)
    assert (cx.chunked_attention(Q, K, V, 2, mask)[..., 0, :] == 0).all()


@pytest.mark.parametrize("mask_shape", ["key padding", "causal", "one row", "scalar"])
def test_chunked_broadcasts_masks(mask_shape):
    Q, K, V = _qkv((2,), n_q=6, n_k=6, seed=3)
    mask = {"key padding": masking.key_padding_mask(masking.padding_mask([6, 2], 6)),   # (2, 1, 6)
            "causal": masking.causal_mask(6),                                       # (6, 6)
            "one row": np.array([True, False, True, True, False, True]),          # (6,)
            "scalar": np.array(True)}[mask_shape]
    np.testing.assert_allclose(cx.chunked_attention(Q, K, V, 4, mask), _exact(Q, K, V, mask), atol=1e-12)


def test_chunked_survives_large_scores_whose_maximum_moves_late():
    # Scores grow along the keys, so the running maximum changes in every chunk: without the
    # rescaling by exp(m - m') the early chunks would be counted with the wrong weight.
    Q = np.array([[1.0, 0.0]])
    K = np.stack([np.linspace(-50.0, 900.0, 11), np.zeros(11)], axis=1) * np.sqrt(2)
    V = np.arange(11.0)[:, None]
    with np.errstate(all="raise"):
        got = cx.chunked_attention(Q, K, V, 3)
    np.testing.assert_allclose(got, _exact(Q, K, V), rtol=1e-12)


def test_chunked_keeps_float32_and_stays_within_1e5_of_exact():
    Q, K, V = _qkv((2,), n_q=64, n_k=300, d_k=16, d_v=8, seed=4, dtype=np.float32)
    got = cx.chunked_attention(Q, K, V, 32)
    assert got.dtype == np.float32 and cx.naive_attention(Q, K, V).dtype == np.float32
    assert np.abs(got - _exact(Q, K, V)).max() < 1e-5


def test_chunked_never_holds_the_score_matrix():
    Q, K, V = _qkv(n_q=1024, n_k=8192, d_k=16, d_v=8, seed=5)
    full = cx.attention_memory_bytes(1024, 8192, itemsize=8)
    _, chunked = cx.peak_memory(cx.chunked_attention, Q, K, V, 64)
    _, naive = cx.peak_memory(cx.naive_attention, Q, K, V)
    assert naive >= full                         # the formula holds at least one full matrix
    assert chunked < 0.05 * full                 # a few (1024 x 64) chunks and the output


@pytest.mark.parametrize("bad", [0, -1, 2.0, None])
def test_chunked_rejects_a_bad_chunk_size(bad):
    Q, K, V = _qkv()
    with pytest.raises(ValueError, match="chunk_size"):
        cx.chunked_attention(Q, K, V, bad)


def test_shape_errors_name_the_problem():
    Q, K, V = _qkv()
    with pytest.raises(ValueError, match="d_k"):
        cx.chunked_attention(Q, K[..., :2], V, 2)
    with pytest.raises(ValueError, match="one value per key"):
        cx.naive_attention(Q, K, V[:-1])
    with pytest.raises(ValueError, match="boolean"):
        cx.chunked_attention(Q, K, V, 2, mask=np.ones((5, 7)))


def test_running_softmax_by_hand():
    # One query, scores 1, 3 | 2, 0: after chunk 1, m = 3 and l = e^-2 + 1; chunk 2 keeps m = 3.
    state = cx.RunningSoftmax()
    state.update(np.array([[1.0, 3.0]]), np.array([[10.0], [20.0]]))
    assert state.m.item() == 3.0 and state.l.item() == pytest.approx(np.exp(-2) + 1)
    state.update(np.array([[2.0, 0.0]]), np.array([[30.0], [40.0]]))
    w = np.exp([1.0, 3.0, 2.0, 0.0])
    assert state.result().item() == pytest.approx(w @ [10, 20, 30, 40] / w.sum())


# --------------------------------------------------------------------------- approximations

def test_local_window_mask():
    m = cx.local_window_mask(5, 1)
    assert m.dtype == np.bool_ and m.shape == (5, 5)
    i, j = np.indices((5, 5))
    assert (m == (abs(i - j) <= 1)).all()
    assert (cx.local_window_mask(4, 0) == np.eye(4, dtype=bool)).all()
    assert cx.local_window_mask(4, 3).all() and cx.local_window_mask(4, 10).all()
    assert (cx.local_window_mask(6, 2) == cx.local_window_mask(6, 2).T).all()
    with pytest.raises(ValueError):
        cx.local_window_mask(4, -1)


def test_a_full_window_is_exact_attention_and_errors_shrink_as_it_grows():
    Q, K, V = _qkv(n_q=12, n_k=12, seed=6)
    exact = _exact(Q, K, V)
    errors = [np.abs(_exact(Q, K, V, cx.local_window_mask(12, w)) - exact).max() for w in range(12)]
    assert errors[-1] < 1e-12 and errors[0] > 1e-3
    assert errors[0] >= errors[5] >= errors[-1]


def test_linear_attention_matches_its_quadratic_form():
    Q, K, V = _qkv((2,), seed=7)
    phi_q, phi_k = cx.elu_feature_map(Q), cx.elu_feature_map(K)
    A = phi_q @ np.swapaxes(phi_k, -1, -2)                  # (2, 5, 7) kernel "weights"
    expected = (A / A.sum(axis=-1, keepdims=True)) @ V
    np.testing.assert_allclose(cx.linear_attention(Q, K, V), expected, rtol=1e-12)
    assert (cx.elu_feature_map(np.array([-800.0, 0.0, 2.0])) == [0.0, 1.0, 3.0]).all()


def test_random_features_approach_softmax_attention():
    Q, K, V = _qkv(n_q=16, n_k=16, d_k=8, d_v=2, seed=8, scale=0.5)
    exact = _exact(Q, K, V)
    err = {m: np.mean([np.abs(cx.linear_attention(Q, K, V, cx.random_feature_map(8, m, s)) - exact).mean()
                       for s in range(4)]) for m in (8, 8192)}
    assert err[8192] < 0.2 * err[8]
    assert err[8192] < 0.01


# --------------------------------------------------------------------------- measuring

def test_peak_memory_counts_numpy_temporaries_and_leaves_tracing_as_it_was():
    import tracemalloc

    _, peak = cx.peak_memory(lambda: np.ones(1 << 20).sum())
    assert 8 << 20 <= peak < 9 << 20
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        keep = np.ones(1 << 20)
        _, peak = cx.peak_memory(lambda: np.ones(1 << 18).sum())
        assert 2 << 20 <= peak < 3 << 20 and tracemalloc.is_tracing()
        del keep
    finally:
        tracemalloc.stop()


def test_measure_returns_time_and_memory():
    m = cx.measure(np.zeros, 1 << 16, repeat=2)
    assert m.seconds > 0 and m.peak_bytes >= 8 << 16


def test_fit_power_law_recovers_the_exponent():
    n = np.array([256, 512, 1024, 2048])
    fit = cx.fit_power_law(n, 3e-9 * n**2.0 * np.exp([0.01, -0.02, 0.0, 0.01]))
    assert fit.exponent == pytest.approx(2.0, abs=0.03)
    assert fit(1024) == pytest.approx(3e-9 * 1024**2, rel=0.05)
    with pytest.raises(ValueError):
        cx.fit_power_law([1.0], [2.0])
    with pytest.raises(ValueError):
        cx.fit_power_law([1.0, 2.0], [0.0, 1.0])


def test_benchmark_csv_round_trip(tmp_path):
    row = {"script": "benchmarks/attention_gpu.py", "date": "2026-01-01", "device": "test device",
           "torch_version": "0.0", "dtype": "float16", "batch": 1, "heads": 8, "n": 1024,
           "d_head": 64, "method": "naive", "status": "ok", "time_ms": 1.5, "peak_mib": 12.0,
           "max_abs_error": ""}
    path = cx.write_benchmark_csv([row], tmp_path / "data" / "x.csv")
    (back,) = cx.read_benchmark_csv(path)
    assert back["n"] == 1024 and back["time_ms"] == 1.5 and back["max_abs_error"] is None
    assert cx.read_benchmark_csv(tmp_path / "missing.csv") is None
    with pytest.raises(ValueError, match="fields"):
        cx.write_benchmark_csv([{"n": 1}], tmp_path / "y.csv")


def test_the_committed_gpu_measurement_is_the_json_it_was_made_from(tmp_path):
    """book/data/attention_gpu.csv (plotted by chapter 10) is what benchmarks/gpu_json_to_csv.py
    makes of the measurement's JSON, and reads back with the page's reader."""
    import importlib.util
    import json

    repo = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("gpu_json_to_csv", repo / "benchmarks" / "gpu_json_to_csv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    records = json.loads((repo / "book" / "data" / "gpu_attention_h100_2026-11-22.json").read_text())
    rows = module.rows_from_json(records, source="book/data/gpu_attention_h100_2026-11-22.json",
                                 device="NVIDIA H100", torch_version="2.11", date="2026-11-22",
                                 heads=16, d_head=64)
    made = cx.read_benchmark_csv(cx.write_benchmark_csv(rows, tmp_path / "gpu.csv"))
    committed = cx.read_benchmark_csv(repo / "book" / "data" / "attention_gpu.csv")
    assert made == committed and len(committed) == 2 * len(records)
    oom = [r for r in committed if r["status"] == "out of memory"]
    assert oom and all(r["method"] == "naive" and r["time_ms"] is None for r in oom)
