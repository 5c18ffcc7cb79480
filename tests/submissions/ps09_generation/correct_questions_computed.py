# expect: full
# The questions answered by computing: the student's own kv_cache_bytes, grouped_query_attention
# and decode_step on small stand-ins, numpy values and shapes as they come.
# %% cache_size
cache_size = {"per_token": kv_cache_bytes(40, 8, 128, 1),
              "total_gib": kv_cache_bytes(40, 8, 128, 4096, batch=16) / 2**30,
              "mha_gib": np.float32(kv_cache_bytes(40, 40, 128, 4096, batch=16) / 2**30)}
# %% gqa_sharing
_V = np.arange(8.0).reshape(8, 1, 1)                      # key/value head j holds the value j
_out, _ = grouped_query_attention(np.zeros((32, 1, 1)), np.zeros((8, 1, 1)), _V)
_rng = np.random.default_rng(0)
_W_q, _W_o = _rng.normal(size=(2, 32, 32))                # d_head 1 stands in for 128
_W_k, _W_v = _rng.normal(size=(2, 32, 8))
_, _K, _ = decode_step(_rng.normal(size=(2, 32)), np.zeros((2, 8, 99, 1)), np.zeros((2, 8, 99, 1)),
                       _W_q, _W_k, _W_v, _W_o, 32)
gqa_sharing = {"kv_head": _out[13, 0, 0], "w_k_shape": np.array([4096, 8 * 128]),
               "k_cache_shape": _K.shape[:-1] + (128,)}
# %% step_cost
_mask = np.tril(np.ones((1000, 1000), dtype=bool))
step_cost = {"with_cache": _mask[-1].sum(), "without_cache": _mask.sum(),
             "whole_generation": sum(_mask[k].sum() for k in range(1000))}
