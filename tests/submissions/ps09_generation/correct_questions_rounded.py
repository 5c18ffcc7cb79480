# expect: full
# The questions answered by hand, rounded as asked, in other containers: lists for shapes,
# integral floats for counts and sizes.
# %% cache_size
cache_size = {"mha_gib": 50, "total_gib": 10.0, "per_token": 163840.0}
# %% gqa_sharing
gqa_sharing = {"kv_head": 3.0, "w_k_shape": [4096, 1024], "k_cache_shape": [2, 8, 100, 128]}
# %% step_cost
step_cost = {"with_cache": 1000.0, "without_cache": 1000 * 1001 // 2, "whole_generation": 500500}
