# expect: partial
# feedback: a bias has one entry per output
# A bias of d_model entries per map.
# %% head_parameters
head_parameters = {"weight_shape": (64, 1024), "per_head": 199680, "all_layers": 76677120}
