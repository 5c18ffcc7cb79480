# expect: zero
# feedback: largest signed difference
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    return float((Y_perm - Y[perm]).max())
