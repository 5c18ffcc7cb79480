# expect: partial
# feedback: nn.Linear stores its weight as (out_features, in_features)
# The weight taken to have numpy's (d_model, d_k) shape.
# %% head_parameters
head_parameters = {"weight_shape": (1024, 64), "per_head": 196800, "all_layers": 75571200}
