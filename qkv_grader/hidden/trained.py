"""Hidden cases of ps11, "Attention in a trained model and in a real transformer" (instructor side
only): the inputs that :mod:`qkv_course.checks.trained`'s checks use with ``hidden=True``."""

from __future__ import annotations

#: The seed of each training run of the retrieval model (toy.train_retrieval's seed: the
#: initialisation and the training batches; the held-out examples use seed 10_000 + seed).
TRAINING_SEEDS = (1, 2)


def minilm_cases() -> list[tuple[tuple[str, ...], int]]:
    """(sentences, layer) of each call of minilm_self_attention: several layers, one sentence and
    padded batches of sentences of different lengths."""
    return [
        (("Attention is all you need.",), 3),
        (("The cat sat on the mat.", "Dogs bark.", "A query meets every key, and the values are mixed."), 5),
        (("Short.", "This sentence is a little longer than the first one."), 1),
    ]


def toy_cases() -> list[tuple[tuple[int, ...], float, int]]:
    """(X shape, scale of X, layer seed) of each call of retrieval_attention."""
    return [((3, 7, 32), 1.0, 1), ((5, 6), 1.0, 2), ((2, 3, 4, 8), 1.0, 3), ((2, 1, 4), 1.0, 4),
            ((2, 5, 1), 1.0, 5), ((2, 6, 8), 30.0, 6)]


# --------------------------------------------------------------------------- question keys

#: Question 1's query rows (4 held-out examples, 6 items and the query) and their targets.
QUERY_ROWS = ((0.05, 0.05, 0.70, 0.05, 0.05, 0.05, 0.05),
              (0.02, 0.02, 0.02, 0.02, 0.40, 0.02, 0.50),
              (0.91, 0.01, 0.01, 0.02, 0.01, 0.02, 0.02),
              (0.10, 0.10, 0.10, 0.10, 0.10, 0.45, 0.05))
QUERY_TARGETS = (2, 4, 0, 5)


def _keys() -> dict:
    """The keys of ps11's questions (qkv_course.checks.trained.QUESTIONS), computed with the
    course's own code (the toy task's measure; chapter 6's multi-head attention and head split on
    MiniLM's sizes, with random weights: no model is loaded) from the numbers the questions give."""
    import numpy as np

    from qkv_course import masking, multihead, trained
    from qkv_course.checks.questions import Key, Mistake

    # Question 1: the query rows of four held-out examples.
    rows, targets = np.array(QUERY_ROWS), np.array(QUERY_TARGETS)
    mean_w, hit = trained.target_attention(rows, targets)
    positions = rows.shape[1]
    uniform, _ = trained.target_attention(np.full((1, positions), 1 / positions), targets[:1])
    items_only = float(np.mean(rows[:, :-1].argmax(axis=1) == targets))
    query_rows = Key(
        {"mean_on_target": mean_w, "hit_rate": hit, "uniform": uniform},
        (Mistake({"mean_on_target": rows.mean()},
                 "that is the mean of all the weights, 1/7 for any rows that sum to 1: take each "
                 "row's weight at its own target position, then average those four."),
         Mistake({"mean_on_target": rows.max(axis=1).mean()},
                 "that is the mean of each row's largest weight; the question asks for the weight "
                 "on the target, which in example 1 is not the largest (0.40 against 0.50)."),
         Mistake({"hit_rate": items_only},
                 "the query position (6) is one of the 7 positions the query attends to: in "
                 "example 1 it takes the largest weight, 0.50, so that row misses its target."),
         Mistake({"uniform": 1 / (positions - 1)},
                 "the query attends to all 7 positions, itself included: a uniform row gives "
                 "1/7 to each."),
         Mistake({"uniform": 1 / 16},
                 "1/16 is the chance of guessing the value (16 possible values); the attention "
                 "chooses among the 7 positions of the sequence.")),
        hint="target_attention: the weight at each row's target, averaged; and the share of rows "
             "whose argmax is the target. A uniform row spreads 1 over the 7 positions.")

    # Question 2: a padded batch of 3 sentences of 9, 5 and 12 tokens, in one MiniLM layer.
    lengths, heads, d_model = [9, 5, 12], 12, 384
    n = max(lengths)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(lengths), n, d_model))
    W = [rng.normal(size=(d_model, d_model)) / np.sqrt(d_model) for _ in range(4)]
    real = masking.padding_mask(lengths, n)                             # (3, 12), True = real
    _, probs = multihead.multi_head_attention(X, *W, heads, real[:, None, :])
    zeros = int((probs == 0).sum())
    pad_rows = ~real[:, :, None]                                       # the padded queries' rows
    padded = Key(
        {"shape": probs.shape, "zeros": zeros, "padded_row_sum": float(probs[1, 0, 8].sum())},
        (Mistake({"shape": probs.shape[:1] + probs.shape[2:]},
                 "each of the 12 heads has its own weights: probs is (batch, num_heads, n, n)."),
         Mistake({"zeros": zeros // heads},
                 "that counts one head: each of the 12 heads has its own n x n weights, with the "
                 "same padded keys at 0."),
         Mistake({"zeros": int((probs == 0)[np.broadcast_to(real[:, None, :, None], probs.shape)].sum())},
                 "those are the zeros in the real tokens' rows only: a padded query's row also "
                 "gives its padded keys weight 0 (every query may attend only to real tokens)."),
         Mistake({"zeros": zeros + int((probs > 0)[np.broadcast_to(pad_rows[:, None], probs.shape)].sum())},
                 "the mask blocks padded keys, not padded queries: a padded query's row still "
                 "spreads its weight over the real tokens of its sentence (the model simply never "
                 "uses that row)."),
         Mistake({"padded_row_sum": 0.0},
                 "a padded query's row is not zero: the mask removes padded keys from every row, "
                 "and a padded query still attends to the 5 real tokens of its sentence, so its "
                 "row sums to 1.")),
        hint="The mask removes the padded keys (columns) of each sentence, in every row and every "
             "head; every row keeps its sentence's real tokens and sums to 1.")

    # Question 3: which slice of query.weight (nn.Linear layout, (d_out, d_in)) makes head 5's
    # queries; the weights and biases of one head's queries and of the layer's four maps.
    head, d_head = 5, d_model // heads
    weight, bias = rng.normal(size=(d_model, d_model)), rng.normal(size=d_model)
    tokens = rng.normal(size=(4, d_model))
    queries = multihead.split_heads(tokens @ weight.T + bias, heads)[head]          # (4, 32)
    block = slice(head * d_head, (head + 1) * d_head)
    strided = slice(head, None, heads)
    options = {"a": tokens @ weight[block, :].T, "b": tokens @ weight[:, block],
               "c": tokens @ weight[strided, :].T, "d": tokens @ weight[:, strided]}
    (right,) = [k for k, q in options.items() if np.allclose(q + bias[block], queries)]
    head_params = weight[block, :].size + bias[block].size
    layer_params = multihead.parameter_count(d_model, heads, bias=True)
    head_key = Key(
        {"slice": right, "head_params": head_params, "layer_params": layer_params},
        (Mistake({"slice": "b"},
                 "nn.Linear stores weight as (d_out, d_in) and computes x @ weight.T: output "
                 "feature i (column i of Q) comes from row i of weight, so head 5's features "
                 "160 to 191 come from rows 160:192."),
         Mistake({"slice": "c"},
                 "a head is a contiguous block of d_head = 32 features (chapter 6's reshape of "
                 "(n, 384) into (n, 12, 32)), not every 12th feature."),
         Mistake({"head_params": d_head * d_head},
                 "a head's queries are computed from all 384 input features: its block of "
                 "weight is 32 x 384 (plus its 32 biases), not 32 x 32."),
         Mistake({"head_params": weight[block, :].size},
                 "head 5's queries also have their 32 biases, bias[160:192]."),
         Mistake({"layer_params": multihead.parameter_count(d_model, heads)},
                 "each of the four maps also has a bias of 384 numbers: 4 x (384 x 384 + 384)."),
         Mistake({"layer_params": 3 * (d_model * d_model + d_model)},
                 "the output projection (attention.output.dense) is the fourth map of the "
                 "sublayer: query, key, value and output, each 384 x 384 weights and 384 biases.")),
        hint="x @ weight.T + bias: column i of Q is row i of weight; head h holds the 32 features "
             "h*32 to h*32 + 31.")
    return {"query_rows": query_rows, "padded_probs": padded, "head_slice": head_key}


KEYS = _keys()
