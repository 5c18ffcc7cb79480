# expect: partial
# feedback: that is the value of the last of the two tied titles
# On a tie, the later key taken (as if argmax returned the last maximum).
# %% tied_keys
tied_keys = {"hard": [1, 0, 0], "cold": [0.5, 0, 0.5]}
