"""Chinese word segmentation: jieba with the 政务 user dictionary, in search mode.

Search mode means each word plus the smaller words inside it, so 身份证 finds
居民身份证. jieba's own ``cut_for_search`` takes every dictionary 2- and 3-gram inside a
word; here the smaller words come from jieba's best split of the word instead (see
:func:`_search_words_of`), which the judged relevance set showed to rank better.

A private :class:`jieba.Tokenizer` is used (not jieba's global one) so that loading our
dictionary cannot change how any other code in the process segments text. jieba is imported
with the tokenizer, on first use: importing it costs some 0.4 s (it imports pkg_resources), which
a process that never segments (most ``flask`` commands) need not pay.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

DICTIONARY_FILE = Path(__file__).with_name("data") / "dictionary.txt"

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a Han run with its character offsets in that run (end exclusive)."""

    text: str
    start: int
    end: int


def load_dictionary(path: Path = DICTIONARY_FILE) -> list[tuple[str, int | None]]:
    """Terms and optional frequencies of a user dictionary file (``term [freq]`` per line)."""
    entries: list[tuple[str, int | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 else None
        entries.append((parts[0], freq))
    return entries


def _get_tokenizer() -> jieba.Tokenizer:
    global _tokenizer  # noqa: PLW0603 (one tokenizer per process, built on first use)
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                # jieba logs "Building prefix dict..." at INFO on first use; it is noise here.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for term, freq in load_dictionary():
                    tokenizer.add_word(term.lower(), freq)
                _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=65536)
def precise_words(run: str) -> tuple[str, ...]:
    """jieba's precise-mode words of a Han run (cached: catalog names repeat a lot)."""
    return tuple(_get_tokenizer().cut(run, HMM=True))


def _best_split(word: str) -> list[str]:
    """jieba's most probable segmentation of ``word`` that does not keep it whole."""
    tokenizer = _get_tokenizer()
    dag = tokenizer.get_DAG(word)
    dag[0] = [end for end in dag[0] if end != len(word) - 1] or [0]
    route: dict[int, tuple[float, int]] = {}
    tokenizer.calc(word, dag, route)
    parts, start = [], 0
    while start < len(word):
        end = route[start][1] + 1
        parts.append(word[start:end])
        start = end
    return parts


@lru_cache(maxsize=65536)
def _search_words_of(word: str) -> tuple[Word, ...]:
    """The word and the smaller words inside it, each with offsets in the word.

    Like jieba's ``cut_for_search`` this adds the dictionary words inside a long word,
    but it takes them from jieba's own best split of the word (recursively) instead of
    every dictionary 2- and 3-gram: search mode also emits 3-grams that straddle the
    word's parts (身份证 inside 身份证明 = 身份 + 证明), which made 临时身份证明 outrank
    the 居民身份证 items for the query 身份证. Single characters are left to the
    ``grams`` stream.
    """
    words: list[Word] = []
    if len(word) > 2:
        offset = 0
        for part in _best_split(word):
            if len(part) > 1:
                words.extend(
                    Word(w.text, offset + w.start, offset + w.end) for w in _search_words_of(part)
                )
            offset += len(part)
    words.append(Word(word, 0, len(word)))
    return tuple(words)


def search_words(run: str) -> list[Word]:
    """Search-mode words of a Han run (as ``jieba.cut_for_search``), with offsets."""
    words: list[Word] = []
    offset = 0
    for word in precise_words(run):
        for sub in _search_words_of(word):
            words.append(Word(sub.text, offset + sub.start, offset + sub.end))
        offset += len(word)
    return words
