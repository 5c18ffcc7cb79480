# expect: full
# The questions answered by computing in the notebook: numpy on the query rows, the student's own
# minilm_self_attention on a padded batch of random hidden states with layer 0's real weights,
# and the loaded model's own parameters; numpy values and arrays as they come.
# %% query_rows
_rows = np.array([[0.05, 0.05, 0.70, 0.05, 0.05, 0.05, 0.05],
                  [0.02, 0.02, 0.02, 0.02, 0.40, 0.02, 0.50],
                  [0.91, 0.01, 0.01, 0.02, 0.01, 0.02, 0.02],
                  [0.10, 0.10, 0.10, 0.10, 0.10, 0.45, 0.05]])
_targets = np.array([2, 4, 0, 5])
query_rows = {"mean_on_target": _rows[np.arange(4), _targets].mean(),
              "hit_rate": np.mean(_rows.argmax(axis=1) == _targets),
              "uniform": np.full(7, 1 / 7)[_targets[0]]}
# %% padded_probs
_mask = (np.arange(12)[None, :] < np.array([9, 5, 12])[:, None]).astype(np.int64)
_hidden = np.random.default_rng(0).normal(size=(3, 12, 384))
_att = model.encoder.layer[0].attention
_maps = {"q": _att.self.query, "k": _att.self.key, "v": _att.self.value, "o": _att.output.dense}
_weights = {f"{kind}_{name}": getattr(lin, attr).detach().double().numpy()
            for name, lin in _maps.items() for kind, attr in (("W", "weight"), ("b", "bias"))}
_, _probs = minilm_self_attention(_hidden, _weights, _mask, 12)
padded_probs = {"shape": _probs.shape, "zeros": (_probs == 0).sum(), "padded_row_sum": _probs[1, 0, 8].sum()}
# %% head_slice
_query = model.encoder.layer[0].attention.self.query
_x = torch.randn(2, 384, dtype=_query.weight.dtype)
with torch.no_grad():
    _want = _query(_x)[:, 160:192]
    _rows_a = _x @ _query.weight[160:192, :].T + _query.bias[160:192]
_att = model.encoder.layer[0].attention
head_slice = {"slice": "a" if torch.allclose(_want, _rows_a, atol=1e-5) else "b",
              "head_params": _query.weight[160:192].numel() + _query.bias[160:192].numel(),
              "layer_params": sum(p.numel() for lin in (_att.self.query, _att.self.key, _att.self.value,
                                                        _att.output.dense) for p in lin.parameters())}
