# expect: partial
# feedback: True and False are swapped
# Uses the "True = masked out" convention (as in torch's attn_mask / key_padding_mask).
# %% local_window_mask
def local_window_mask(n, window):
    i = np.arange(n)
    far = np.abs(i[:, None] - i[None, :]) > window
    return far                            # mask out the keys that are too far
