# expect: full
# The questions answered by computing: the student's own project_qkv and torch layers, numpy and
# torch values as they come (a torch.Size for a shape, numpy scalars for the scores and the rank).
# %% batch_shapes
_Q, _K, _V = project_qkv(np.ones((3, 5, 16)), np.ones((16, 8)), np.ones((16, 8)), np.ones((16, 4)))
batch_shapes = {"V": _V.shape, "K_T": _K.T.shape, "np_dot": np.dot(_Q, np.swapaxes(_K, -1, -2)).shape}
# %% head_parameters
_head = nn.ModuleList([nn.Linear(1024, 64) for _ in range(3)])
_per_head = sum(p.numel() for p in _head.parameters())
head_parameters = {"weight_shape": _head[0].weight.shape, "per_head": _per_head,
                   "all_layers": 24 * 16 * _per_head}
# %% two_token_scores
_X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
_W_q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
_W_k = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 2.0]])
_Q, _K, _ = project_qkv(_X, _W_q, _W_k, _W_q)
_S = _Q @ _K.T
two_token_scores = {"s_01": _S[0, 1], "s_10": _S[1, 0], "rank_M": np.linalg.matrix_rank(_W_q @ _W_k.T)}
