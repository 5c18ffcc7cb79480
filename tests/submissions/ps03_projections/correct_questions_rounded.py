# expect: full
# The questions answered by hand, in other containers: lists for shapes, integral floats for
# counts and scores, the keys in another order.
# %% batch_shapes
batch_shapes = {"np_dot": [3, 5, 3, 5], "K_T": [8, 5, 3], "V": [3, 5, 4]}
# %% head_parameters
head_parameters = {"weight_shape": [64, 1024], "per_head": 196800.0, "all_layers": 75_571_200}
# %% two_token_scores
two_token_scores = {"s_01": 10, "s_10": 12.0, "rank_M": 2.0}
