# expect: full
# stderr: logging.basicConfig's handler writes to the stderr stream it saw when the cell ran
# A correct answer that logs what it does. The logging handler keeps the stderr stream of the
# answer cell and writes to it from inside the test cells, past the checks' own capture of
# sys.stderr: plain nbgrader would fail every test that calls it (nbgrader issue #1904).
# %% dot_scores
import logging

logging.basicConfig(level=logging.INFO, force=True)
log = logging.getLogger("search")

def dot_scores(query, keys):
    query, keys = np.asarray(query, dtype=float), np.asarray(keys, dtype=float)
    log.info("dot_scores: query %s, keys %s", query.shape, keys.shape)
    return query @ keys.T
