"""Pinyin of Han text and recognition of pinyin typed in latin letters.

Readings come from pypinyin, which picks the reading of a 多音字 from its phrase
dictionary (银行 → yin hang, 行政 → xing zheng, 重点 → zhong dian, 处罚 → chu fa), so
pinyin is computed per jieba word rather than per character: the word is the context
pypinyin needs. Tones are dropped and ü is written ``v`` (lv, nv), as people type.

pypinyin is imported on first use, not with this module: its phrase dictionary takes some
0.8 s to load, and every process that imports the app (each ``flask`` command, each gunicorn
worker) imports this module whether or not it analyses text. gunicorn loads it once in the
master (deploy/gunicorn.conf.py), before the workers fork.
"""

from __future__ import annotations

from functools import lru_cache

from search.segment import precise_words

# Interjection-only readings (嗯 n/ng, 呣 m, 噷 hm...) are left out: as syllables they
# would let consonant strings such as "hn" parse as full pinyin instead of initials.
_INTERJECTIONS = frozenset({"m", "n", "ng", "hm", "hng"})
_LONGEST_SYLLABLE = 6  # zhuang, shuang, chuang


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows, in latin letters (about 420)."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = to_normal(reading)
            if syllable.isascii() and syllable.isalpha() and syllable not in _INTERJECTIONS:
                found.add(syllable)
    return frozenset(found)


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    # '' for a character without a reading, so the result stays one entry per character.
    # pypinyin documents a list from `errors` (one entry per character); its stubs say str.
    blanks = lambda chars: [""] * len(chars)  # noqa: E731
    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors=blanks))  # type: ignore[arg-type]


def han_syllables(run: str) -> list[str]:
    """One toneless syllable per character of a Han run ('' where there is no reading)."""
    result: list[str] = []
    for word in precise_words(run):
        result.extend(_word_syllables(word))
    return result


@lru_cache(maxsize=4096)
def split_syllables(letters: str) -> tuple[str, ...] | None:
    """Split a run of latin letters into pinyin syllables, or None if it is not pinyin.

    Dynamic programming over the syllable list, preferring the fewest syllables
    (``xian`` → xian rather than xi an). Ambiguity is harmless here because the
    analysis also emits the joined string, which is the same for either split.
    """
    known = syllables()
    best: list[tuple[str, ...] | None] = [None] * (len(letters) + 1)
    best[0] = ()
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - _LONGEST_SYLLABLE), end):
            head = best[start]
            if head is None or letters[start:end] not in known:
                continue
            candidate = (*head, letters[start:end])
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[len(letters)]
