"""The operators' synonym file (``data/synonyms.txt``) and query expansion with it.

Only the query is expanded (the file's header says why). Each expansion is the whole
query with one matched term replaced, searched as an alternative reading of the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.txt"
# everyday words → the catalog's words (one-way, broader than synonyms.txt): same format
VOCABULARY_FILE = Path(__file__).with_name("data") / "vocabulary.txt"
SYNONYM_FILES = (SYNONYMS_FILE, VOCABULARY_FILE)
MAX_EXPANSIONS = 8  # a query naming many terms must not multiply into a huge query
_LATIN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Replacement:
    """One way to rewrite a query: ``matched`` (as found in it) becomes ``replacement``."""

    matched: str
    replacement: str
    text: str  # the rewritten query


@dataclass(frozen=True, eq=False)
class SynonymTable:
    """Term → the terms a query containing it is also searched with."""

    replacements: dict[str, tuple[str, ...]]
    pinyin_terms: dict[str, str]  # joined full pinyin of a Han term → the term
    # initials of a Han term of three characters or more → the initials of its replacements
    initials_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # joined pinyin of every term, either side of a rule, official words first: what a
    # homophone slip is corrected to (search.analysis.corrected)
    term_sounds: dict[str, str] = field(default_factory=dict)

    def expand_initials(self, letters: str) -> list[str]:
        """Initials typed for a term rewritten as its replacements' initials: sbkgs (社保卡
        挂失) → shbzkgs (社会保障卡挂失), which the index's initials of names hold."""
        found = []
        for typed, targets in self.initials_terms.items():
            at = letters.find(typed)
            if at >= 0:
                found += [letters[:at] + target + letters[at + len(typed) :] for target in targets]
        return found[:MAX_EXPANSIONS]

    @cached_property
    def known_terms(self) -> frozenset[str]:
        """Every term of the table, on either side of a rule."""
        return frozenset(self.replacements) | {t for ts in self.replacements.values() for t in ts}

    def expand(self, normalized: str) -> list[Replacement]:
        """Rewrites of a normalised query, longest matched term first, at most MAX_EXPANSIONS."""
        found: list[Replacement] = []
        taken: list[tuple[int, int]] = []
        for term in sorted(self.replacements, key=len, reverse=True):
            start = _find_term(normalized, term)
            if start < 0:
                continue
            end = start + len(term)
            # 机动车驾驶证 matched: the shorter term 驾驶证 inside it is not matched again
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            for target in self.replacements[term]:
                text = normalized[:start] + target + normalized[end:]
                found.append(Replacement(term, target, text))
        return found[:MAX_EXPANSIONS]

    def expand_pinyin(
        self, normalized: str, split: Callable[[str], tuple[str, ...] | None]
    ) -> list[Replacement]:
        """Rewrites of a query typed in full pinyin (``wangba`` → 互联网上网服务营业场所).

        A term matches only on syllable boundaries of the typed letters, so ``xian``
        never matches inside ``xianjin``'s split ``xian jin`` at a wrong place.
        """
        found: list[Replacement] = []
        for chunk in _LATIN.finditer(normalized):
            letters = chunk.group()
            parts = split(letters)
            if not parts:
                continue
            bounds = _boundaries(parts)
            for joined, term in self.pinyin_terms.items():
                start = letters.find(joined)
                end = start + len(joined)
                if start < 0 or start not in bounds or end not in bounds:
                    continue
                for target in self.replacements[term]:
                    rewritten = f"{letters[:start]} {target} {letters[end:]}"
                    text = normalized[: chunk.start()] + rewritten + normalized[chunk.end() :]
                    found.append(Replacement(joined, target, " ".join(text.split())))
        return found[:MAX_EXPANSIONS]


def _boundaries(parts: tuple[str, ...]) -> set[int]:
    bounds, offset = {0}, 0
    for part in parts:
        offset += len(part)
        bounds.add(offset)
    return bounds


def _find_term(text: str, term: str) -> int:
    """Index of ``term`` in ``text``; a latin term must stand as a whole word."""
    if not term.isascii():
        return text.find(term)
    match = re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text)
    return match.start() if match else -1


def parse_synonyms(lines: list[str], normalize: Callable[[str], str]) -> dict[str, tuple[str, ...]]:
    """Parse synonym lines (format in the data file's header) into term → replacements."""
    table: dict[str, list[str]] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            sources, targets = _terms(left, normalize), _terms(right, normalize)
            pairs = [(source, targets) for source in sources]
        else:
            sources = targets = _terms(line, normalize)
            pairs = [(source, [t for t in targets if t != source]) for source in sources]
        if not sources or not targets:
            raise ValueError(f"synonyms line {number}: needs terms on both sides: {raw!r}")
        for source, replacements in pairs:
            bucket = table.setdefault(source, [])
            bucket.extend(r for r in replacements if r not in bucket and r != source)
    return {term: tuple(replacements) for term, replacements in table.items() if replacements}


def _terms(part: str, normalize: Callable[[str], str]) -> list[str]:
    terms = [normalize(term) for term in part.split(",")]
    return [term for term in terms if term]


def build_table(
    lines: list[str],
    normalize: Callable[[str], str],
    to_pinyin: Callable[[str], str | None],
    to_initials: Callable[[str], str | None] = lambda term: None,
) -> SynonymTable:
    """A table from synonym-file lines; ``to_pinyin`` gives a Han term's joined full pinyin,
    ``to_initials`` its initials."""
    replacements = parse_synonyms(lines, normalize)
    pinyin_terms: dict[str, str] = {}
    initials_terms: dict[str, tuple[str, ...]] = {}
    for term in sorted(replacements, key=len, reverse=True):
        joined = to_pinyin(term)
        if joined and len(joined) >= 4:  # two-letter pinyin would fire on almost anything
            pinyin_terms.setdefault(joined, term)
        typed = to_initials(term) if len(term) >= 3 else None
        if typed:
            typed_targets = (to_initials(t) for t in replacements[term])
            initials_terms.setdefault(typed, tuple(t for t in typed_targets if t and t != typed))
    targets = dict.fromkeys(t for ts in replacements.values() for t in ts)
    term_sounds: dict[str, str] = {}
    for term in [*targets, *replacements]:
        joined = to_pinyin(term)
        if joined and len(joined) >= 4 and len(term) >= 2:
            term_sounds.setdefault(joined, term)
    initials = {k: v for k, v in initials_terms.items() if v}
    return SynonymTable(replacements, pinyin_terms, initials, term_sounds)
