# expect: zero
# feedback: applied the wrong way round
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    return float(np.abs(Y_perm[perm] - Y).max())
