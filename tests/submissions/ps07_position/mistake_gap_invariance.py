# expect: zero
# feedback: which tests invariance
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    return float(np.abs(Y_perm - Y).max())
