"""Highlighting of item names, computed in Python the same way for both engines.

Engine highlighters cannot do it: the index fields hold pre-analysed tokens without
offsets into the original name, and pinyin tokens have no characters at all (the pinyin
plugin's zero offsets break ES highlighting, infinilabs/analysis-pinyin#169). So the
name is normalised character by character, keeping each character's position in the
original, and every query token found in it is marked there: words and bigrams by
text, pinyin and initials by the syllables of the name's characters.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from search.analysis import AnalyzedQuery, is_han, normalize
from search.pinyin import han_syllables

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


# Per character, cached: a page of hits normalises a few hundred characters, and a district's
# names use a few thousand distinct ones.
@lru_cache(maxsize=16384)
def _folded(char: str) -> str:
    return unicodedata.normalize("NFKC", char).lower()


@lru_cache(maxsize=16384)
def _simplified(char: str) -> str:
    return normalize(char) or char


# Per name, cached: a page of hits is 20 names, and the names citizens find are the same few
# thousand (a third of a hit's highlighting time, bench/request_overhead.py).
@lru_cache(maxsize=8192)
def _normalized_chars(name: str) -> tuple[str, tuple[int, ...]]:
    """The name normalised without dropping anything, and each character's source index."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(name):
        for piece in _folded(char):
            chars.append(piece)
            origin.append(index)
    text = "".join(chars)
    # traditional → simplified one character at a time keeps positions aligned
    simplified = "".join(map(_simplified, text))
    return (simplified if len(simplified) == len(text) else text), tuple(origin)


NAMES_PER_HIGHLIGHTER = 64  # marked names a highlighter keeps: a query's first pages of hits


class Highlighter:
    """Marks one query's matches in item names: the query's tokens are gathered once, then
    each hit's name is scanned once (a query has up to a dozen readings sharing most tokens).
    An engine keeps a query's highlighter while it keeps its compiled query, so the names of
    the pages citizens look at are marked once per process, not once per search."""

    def __init__(self, query: AnalyzedQuery) -> None:
        variants = [v for v in query.variants if v.marked]
        tokens = {t for v in variants for t in (*v.streams["words"], *v.streams["grams"])}
        self.tokens = tuple(sorted(tokens))
        self.full = frozenset(t for v in variants for t in v.streams["pinyin"])
        self.initials = frozenset(t for v in variants for t in v.streams["initials"] if len(t) >= 2)
        self._marked = lru_cache(maxsize=NAMES_PER_HIGHLIGHTER)(self._mark)

    def __call__(self, name: str) -> str:
        """The name as HTML, with every part matching the query wrapped in ``<mark>``."""
        return self._marked(name)

    def _mark(self, name: str) -> str:
        text, origin = _normalized_chars(name)
        spans = self._text_spans(text) + self._pinyin_spans(text)
        marked = sorted(
            {origin[position] for start, end in spans for position in range(start, end)}
        )
        return _marked_html(name, marked)

    def _text_spans(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for token in self.tokens:
            start = text.find(token)
            while start >= 0:
                spans.append((start, start + len(token)))
                start = text.find(token, start + 1)
        return spans

    def _pinyin_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of Han characters whose syllables (or initials) spell a pinyin token."""
        if not self.full and not self.initials:
            return []
        spans = []
        for run in re.finditer(r"\w+", text):
            if not is_han(run.group()):
                continue
            syllables = han_syllables(run.group())
            for start in range(len(syllables)):
                spelled, first_letters = "", ""
                for end in range(start, len(syllables)):
                    if not syllables[end]:
                        break
                    spelled += syllables[end]
                    first_letters += syllables[end][0]
                    if spelled in self.full or first_letters in self.initials:
                        spans.append((run.start() + start, run.start() + end + 1))
        return spans


def _marked_html(name: str, marked: list[int]) -> str:
    """``name`` escaped, each run of ``marked`` positions (ascending) wrapped in ``<mark>``.
    Escaped a run at a time: escaping replaces characters one for one, so runs and single
    characters give the same HTML."""
    runs: list[list[int]] = []  # [start, end) in the name
    for position in marked:
        if runs and runs[-1][1] == position:
            runs[-1][1] += 1
        else:
            runs.append([position, position + 1])
    parts: list[str] = []
    done = 0  # the name is written up to here
    for start, end in runs:
        parts += [
            html.escape(name[done:start]),
            MARK_OPEN,
            html.escape(name[start:end]),
            MARK_CLOSE,
        ]
        done = end
    parts.append(html.escape(name[done:]))
    return "".join(parts)


def highlight(name: str, query: AnalyzedQuery) -> str:
    """The name as HTML, with every part matching the query wrapped in ``<mark>``."""
    return Highlighter(query)(name)
