# expect: partial
# feedback: returned a AlwaysEqual; it should return a numpy array
# %% hard_lookup
class AlwaysEqual:
    """Compares equal to anything: a classic way to fool a naive `==` test."""
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        raise RuntimeError("should never be converted")

def hard_lookup(query, keys, values):
    return AlwaysEqual()
