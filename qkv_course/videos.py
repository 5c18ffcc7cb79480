"""Course data for notebooks: the video corpus of chapter 1 and problem set 1.

Loading the corpus and turning titles and queries into bag-of-words vectors. Nothing here
scores, ranks or looks anything up: that is :mod:`qkv_course.search`, which re-exports these
names. Problem set 1's grading kernel may import this module (it is no reference of anything
the problem set grades).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable, Sequence

import numpy as np

__all__ = ["STOPWORDS", "Video", "load_videos", "tokenize", "build_vocabulary", "bag_of_words", "one_hot"]

#: Words too common to say anything about a video's subject.
STOPWORDS = frozenset(
    "a an and at do every first for how in it its like of off on one the this to "
    "what why with your you".split()
)


@dataclass(frozen=True)
class Video:
    """One item of the course's small video corpus."""

    title: str
    topic: str
    minutes: int


def load_videos() -> list[Video]:
    """Load the course's corpus of video titles (shipped in ``qkv_course/data/videos.csv``)."""
    text = resources.files("qkv_course").joinpath("data/videos.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return [Video(r["title"], r["topic"], int(r["minutes"])) for r in rows]


def tokenize(text: str) -> list[str]:
    """Lower-case ``text``, split it into words and drop stopwords.

    >>> tokenize("How to cook perfect rice every time")
    ['cook', 'perfect', 'rice', 'time']
    """
    return [w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS]


def build_vocabulary(texts: Iterable[str]) -> list[str]:
    """The sorted list of distinct words in ``texts`` (after ``tokenize``)."""
    return sorted({w for t in texts for w in tokenize(t)})


def bag_of_words(texts: str | Sequence[str], vocabulary: Sequence[str]) -> np.ndarray:
    """Count how often each vocabulary word occurs in each text.

    texts: one string, or a sequence of ``n`` strings.
    Returns ``(d,)`` for one string or ``(n, d)`` for ``n`` strings, where
    ``d = len(vocabulary)``. Words outside the vocabulary are ignored.
    """
    index = {w: i for i, w in enumerate(vocabulary)}
    single = isinstance(texts, str)
    rows = [texts] if single else list(texts)
    counts = np.zeros((len(rows), len(vocabulary)))
    for r, text in enumerate(rows):
        for w in tokenize(text):
            if w in index:
                counts[r, index[w]] += 1
    return counts[0] if single else counts


def one_hot(labels: Sequence[str], categories: Sequence[str]) -> np.ndarray:
    """``(n, c)`` matrix with a 1 in the column of each label's category."""
    col = {c: i for i, c in enumerate(categories)}
    out = np.zeros((len(labels), len(categories)))
    for r, label in enumerate(labels):
        if label not in col:
            raise ValueError(f"label {label!r} is not one of the categories {list(categories)}")
        out[r, col[label]] = 1.0
    return out
