# expect: full
# The questions answered by computing: the student's own attention_flops, attention_memory_bytes,
# local_window_mask and chunked_attention, and the running update written out in numpy; numpy
# values and arrays as they come.
# %% layer_bill
_heads, _d_head, _n = 16, 64, 8192
_products = _heads * attention_flops(_n, _n, _d_head, _d_head)
_per_n2 = _heads * attention_flops(1, 1, _d_head, _d_head)
layer_bill = {"flops": np.float64(_products),
              "gigabytes": _heads * attention_memory_bytes(_n, _n, itemsize=2) / 1e9,
              "crossover_n": np.int64(4 * 2 * 1024**2 // _per_n2)}
# %% local_window
_mask = local_window_mask(1000, 64)
local_window = {"kept": _mask.sum(), "band_flops": attention_flops(1, 1, 64, 64) * _mask.sum(),
                "layers": np.ceil(999 / 64)}
# %% online_softmax
_s = np.array([-np.inf, -np.inf, 2.0, 0.5, 3.0, 1.0])
_v = np.array([8.0, -4.0, 6.0, -2.0, 1.0, 9.0])


def _run(careless):
    m, l, a, sums = -np.inf, 0.0, 0.0, []
    with np.errstate(invalid="ignore"):
        for start in range(0, 6, 2):
            s, v = _s[start:start + 2], _v[start:start + 2]
            m_new = max(m, s.max())
            shift = m_new if careless or not np.isneginf(m_new) else 0.0
            p = np.exp(s - shift)
            l = np.exp(m - shift) * l + p.sum()
            a = np.exp(m - shift) * a + p @ v
            m = m_new
            sums.append(l)
    return np.array(sums), a / l


_sums, _out = _run(careless=False)
_out_chunked = chunked_attention(np.ones((1, 1)), np.where(np.isneginf(_s), 0.0, _s)[:, None], _v[:, None], 2,
                                 mask=np.isfinite(_s))
assert np.isclose(_out, _out_chunked[0, 0])
online_softmax = {"l": _sums, "output": _out_chunked[0, 0], "careless_nan": np.isnan(_run(careless=True)[1])}
