"""Did you mean: a slip in a query corrected to a word of the catalog's own item names.

The synonym files catch slips that sound right (社保咔 → 社保卡, search.analysis.corrected);
this catches the others, one character wrong or left out: 居民身分证 → 居民身份证, 营业照 → 营业执照.
The vocabulary is the words of the published names, at every granularity the index has them
(居民身份证, 身份证, 身份), with how many names use each. A slip is looked up through the words'
one-character deletions (SymSpell's idea at distance 1), so a lookup costs a few dictionary reads
whatever the size of the catalog.

A correction is offered only when it turns a query that the vocabulary cannot read into one it
reads whole (every character inside a known word): a query of right words is never "corrected",
and a replacement that leaves a stray character (营业执造 → 营业性造) is no answer. Only words
of three characters or more are offered: one character of two is half the word.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from search.analysis import normalize
from search.segment import search_words

SHORTEST_OFFERED = 3
SHORTEST_SPAN = SHORTEST_OFFERED - 1  # a span missing one character of a shortest word
LONGEST = 8
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_replaced(word: str, span: str) -> bool:
    return len(word) == len(span) and sum(a != b for a, b in zip(word, span, strict=True)) == 1


class Vocabulary:
    """The words of a catalog's names, and the one-character deletions of the longer ones."""

    def __init__(self, names: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        for name in names:
            for run in _HAN_RUN.findall(normalize(name)):
                counts.update({w.text for w in search_words(run) if 2 <= len(w.text) <= LONGEST})
        self.counts = counts
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in counts:
            if len(word) >= SHORTEST_OFFERED:
                for shorter in _deletions(word):
                    self._by_deletion[shorter].add(word)

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def nearest(self, span: str) -> list[str]:
        """Words one character away from ``span``: first those missing one character (they keep
        every character the user typed), then those with one replaced, the most used first
        (never one with a character fewer: 开饭店 is not a slip of 饭店)."""
        if len(span) < SHORTEST_SPAN or span in self.counts:
            return []
        replaced = {
            w
            for d in _deletions(span)
            for w in self._by_deletion.get(d, ())
            if _one_replaced(w, span)
        }
        by_use = lambda word: (-self.counts[word], word)  # noqa: E731
        return sorted(self._by_deletion.get(span, ()), key=by_use) + sorted(replaced, key=by_use)

    def reads(self, run: str) -> bool:
        """Whether every character of a Han run is inside a word of the vocabulary."""
        reached = [True] + [False] * len(run)
        for end in range(1, len(run) + 1):
            reached[end] = any(
                reached[start] and run[start:end] in self.counts
                for start in range(max(0, end - LONGEST), end - 1)
            )
        return reached[-1]

    def correct(self, text: str) -> str | None:
        """``text`` with each unreadable Han run made readable by one correction; None when no
        run needed one or none could be made readable."""
        result = normalize(text)
        changed = False
        for run in set(_HAN_RUN.findall(result)):
            if self.reads(run):
                continue
            fixed = next((c for c in self._corrections(run) if self.reads(c)), None)
            if fixed is not None:
                result, changed = result.replace(run, fixed), True
        return result if changed else None

    def _corrections(self, run: str) -> Iterator[str]:
        """The run with one span replaced by a nearby word, longest spans first."""
        for size in range(min(len(run), LONGEST), SHORTEST_SPAN - 1, -1):
            for start in range(len(run) - size + 1):
                for word in self.nearest(run[start : start + size]):
                    yield run[:start] + word + run[start + size :]
