# expect: zero
# feedback: It adds up the differences
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    return float(np.abs(Y_perm - Y[perm]).sum())
