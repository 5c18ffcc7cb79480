# expect: partial
# feedback: raised ValueError
# Turns the mask into a column "to line it up with the rows": the shapes no longer broadcast.
# %% masked_softmax
def masked_softmax(scores, mask, axis=-1):
    column = np.asarray(mask)[..., None]
    z = np.where(column, scores, -np.inf)
    return np.nan_to_num(softmax(z, axis=axis))
