# expect: zero
# feedback: Frobenius norm
# %% equivariance_error
def equivariance_error(Y, Y_perm, perm):
    return float(np.linalg.norm(Y_perm - Y[perm]))
