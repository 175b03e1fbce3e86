"""Chinese word segmentation: jieba in search mode with the 政务 user dictionary.

A private :class:`jieba.Tokenizer` is used (not jieba's global one) so that loading our
dictionary cannot change how any other code in the process segments text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
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


@lru_cache(maxsize=65536)
def _search_words_of(word: str) -> tuple[Word, ...]:
    """The dictionary sub-words search mode adds inside one precise word, then the word.

    This is jieba's own ``cut_for_search`` rule (2-grams of words longer than 2 and
    3-grams of words longer than 3 that the dictionary knows), written out here because
    we also need each sub-word's offsets for pinyin and highlighting.
    """
    freq = _get_tokenizer().FREQ
    words: list[Word] = []
    for size in (2, 3):
        if len(word) > size:
            for i in range(len(word) - size + 1):
                gram = word[i : i + size]
                if freq.get(gram):
                    words.append(Word(gram, i, i + size))
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


def word_starts(run: str) -> list[int]:
    """Offsets where a search-mode word starts in a Han run (身份 starts inside 居民身份证)."""
    return sorted({word.start for word in search_words(run)})
