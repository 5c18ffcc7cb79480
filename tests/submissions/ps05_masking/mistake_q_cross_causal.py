# expect: partial
# feedback: the source sentence is complete before the translation starts
# A causal mask added to the cross-attention, so target token 1 sees source tokens 0 and 1 only.
# %% translation_shapes
translation_shapes = {"weights_shape": (2, 4, 6), "output_shape": (2, 4, 12), "needs_causal": True,
                      "weight": 0.5}
