# expect: zero
# feedback: should be a dict with the keys
# An answer object equal to anything it is compared with (hostile).
# %% large_scores
class _Anything(dict):
    def __eq__(self, other):
        return True

    def __getitem__(self, key):
        return _Anything()

    def __float__(self):
        return 0.665


large_scores = _Anything(literal_finite=False, first_weight=0.665)
