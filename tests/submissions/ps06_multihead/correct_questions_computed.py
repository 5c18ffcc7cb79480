# expect: full
# The questions answered by computing: the student's own split_heads and multi_head_attention,
# torch's layer, numpy values, shapes and arrays as they come.
# %% head_shapes
_rng = np.random.default_rng(3)
_X = _rng.normal(size=(2, 9, 384))
_W = [_rng.normal(size=(384, 384)) / 20 for _ in range(4)]
_, _w = multi_head_attention(_X, *_W, 12)
_layer = nn.MultiheadAttention(384, 12, batch_first=True)
with torch.no_grad():
    _x = torch.randn(2, 9, 384)
    _, _tw = _layer(_x, _x, _x)
head_shapes = {"q_split": split_heads(_X @ _W[0], 12).shape, "weights": _w.shape,
               "scale": np.sqrt(384 // 12), "torch_weights": _tw.shape}
# %% parameter_counts
_count = {h: sum(p.numel() for p in nn.MultiheadAttention(512, h).parameters()) for h in (8, 16)}
parameter_counts = {"params_8": _count[8], "params_16": _count[16],
                    "in_proj_shape": nn.MultiheadAttention(512, 8).in_proj_weight.shape,
                    "score_products": np.int64(8) * 100 * 100 * (512 // 8)}
# %% reshape_bug
_X = 10.0 * np.arange(3)[:, None] + np.arange(8)
reshape_bug = {"right": split_heads(_X, 2)[1, 0], "buggy": _X.reshape(2, 3, 4)[1, 0],
               "round_trip": np.array_equal(_X.reshape(2, 3, 4).reshape(3, 8), _X)}
