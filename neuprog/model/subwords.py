"""Hashed character trigrams of words, so a word the vocabulary lacks still reads as something near its spelling."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache

import torch

MAX_GRAMS = 12  # trigrams kept per word: its first 12 (a word of 10 letters has 12 with the boundary marks)


@lru_cache(maxsize=1 << 17)
def word_grams(word: str, buckets: int) -> tuple[int, ...]:
    """Bucket ids (1 to ``buckets``; 0 is padding) of the character trigrams of ``<word>``; none for special tokens.

    The hash is CRC-32, so ids are the same in every process and on every machine.

    >>> word_grams("rank", 1000)
    (661, 582, 837, 576)
    >>> word_grams("<num>", 1000), word_grams("", 1000)
    ((), ())
    """
    if not word or word.startswith("<"):
        return ()
    marked = f"<{word}>"
    grams = [marked[i : i + 3] for i in range(len(marked) - 2)][:MAX_GRAMS]
    return tuple(zlib.crc32(gram.encode("utf-8")) % buckets + 1 for gram in grams)


def gram_ids(words: Sequence[Sequence[str]], width: int, buckets: int) -> torch.Tensor:
    """(N, width, G) trigram bucket ids of N rows of ``width`` word slots (missing words and trigrams are 0); G = 0 when ``buckets`` is 0.

    >>> gram_ids([["rank"], []], 2, 1000).shape
    torch.Size([2, 2, 4])
    >>> gram_ids([["rank"]], 1, 0).shape
    torch.Size([1, 1, 0])
    """
    if not buckets:
        return torch.zeros(len(words), width, 0, dtype=torch.long)
    grams = [[word_grams(word, buckets) for word in row] for row in words]
    G = max([len(g) for row in grams for g in row] + [0])
    empty = (0,) * G
    padded = [[found + empty[len(found) :] for found in row] + [empty] * (width - len(row)) for row in grams]
    return torch.tensor(padded, dtype=torch.long).reshape(len(words), width, G)
