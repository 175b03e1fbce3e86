"""A citizen's search that never ends on an empty page, the same way on both engines.

The engine answers the query first. When it finds nothing, or only names that share a
generic character with the query (开, 办, 证) and nothing of its object, the query is
relaxed (every meaningful character on its own); the answer says so (``relaxed``) and,
where the query had a slip that sounds like a known term or is one character away from a word
of the catalog's names (search.spelling), what it probably meant (``did_you_mean``). When even the relaxed query finds nothing, ``zero_result`` is set and
the items of the departments the query's words point to are offered instead (``popular``:
short, general names first; the catalog keeps no usage counts to rank them by).
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from search.analysis import (
    ACTION,
    GENERIC,
    IMPLIED_OBJECT,
    SOUNDS_LIKE,
    AnalyzedQuery,
    analyze_query,
    normalize,
    suggest_keys,
)
from search.engines.base import SearchEngine
from search.query import Hit, SearchRequest, SearchResult
from search.spelling import Vocabulary
from search.understanding import rules

POPULAR_COUNT = 5
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class CitizenAnswer:
    """The engine's result, and how it was reached."""

    result: SearchResult
    zero_result: bool = False  # nothing matched, even relaxed
    relaxed: bool = False  # the hits are the relaxed query's
    did_you_mean: str | None = None
    popular: list[Hit] = field(default_factory=list)


def _content_tokens(query: AnalyzedQuery) -> set[str]:
    """Tokens that identify an item: not generic, not an intent's action words; words and
    bigrams of two characters or more, pinyin and initials of two letters or more."""
    tokens: set[str] = set()
    for variant in query.variants:
        for stream, values in variant.streams.items():
            for token in values:
                if (
                    variant.classes.get(token) in (GENERIC, ACTION, IMPLIED_OBJECT)
                    or len(token) < 2
                ):
                    continue
                if variant.role == SOUNDS_LIKE and stream != "pinyin":
                    continue
                tokens.add(token)
    return tokens


def matches_content(hits: list[Hit], query: AnalyzedQuery) -> bool:
    """Whether some hit's name holds a token of the query's object (not only 开 or 证).

    Han tokens are looked for in the normalised name, latin ones (pinyin, initials) in its
    full pinyin and initials. Only a query with latin tokens pays for the names' pinyin: it is
    most of a search's time for names not seen before (a large catalog's usual case).
    """
    wanted = _content_tokens(query)
    han = [token for token in wanted if not token.isascii()]
    latin = [token for token in wanted if token.isascii()]
    for hit in hits:
        name = normalize(hit.name) if han else ""  # once per hit, not once per token
        if any(token in name for token in han):
            return True
        if latin and any(
            token in spelled for spelled in suggest_keys(hit.name)[1:] for token in latin
        ):
            return True
    return False


def relaxed_text(query: AnalyzedQuery) -> str:
    """Every meaningful Han character of the query on its own (generic ones left out)."""
    generic = rules().generic
    chars = [c for c in query.core if _HAN.match(c) and c not in generic]
    return " ".join(dict.fromkeys(chars))


DEPARTMENTS_TTL = 300.0  # seconds a list of departments is reused: departments change rarely
_departments_seen: weakref.WeakKeyDictionary[SearchEngine, tuple[float, list[str]]] = (
    weakref.WeakKeyDictionary()
)


def department_names(engine: SearchEngine) -> list[str]:
    """Every department with a searchable item (one aggregation over the whole index, so it is
    kept for DEPARTMENTS_TTL seconds per engine rather than run for every empty search)."""
    now = time.monotonic()
    seen = _departments_seen.get(engine)
    if seen is not None and now - seen[0] < DEPARTMENTS_TTL:
        return seen[1]
    request = SearchRequest(facets=("department",), per_page=1, highlight=False)
    names = [str(value) for value, _count in engine.search(request).facets.get("department", [])]
    _departments_seen[engine] = (now, names)
    return names


def _departments(engine: SearchEngine, query: AnalyzedQuery) -> list[str]:
    """Departments the query's words point to: named in citizen.toml, or part of a name."""
    names = department_names(engine)
    pointers = {part for word, part in rules().departments.items() if word in query.core}
    words = {w for w in query.streams.get("words", ()) if len(w) >= 2 and _HAN.match(w)}
    return [n for n in names if any(p in n for p in pointers) or any(w in n for w in words)]


def popular_items(engine: SearchEngine, query: AnalyzedQuery) -> list[Hit]:
    """Service items of the departments the query points to, short general names first."""
    departments = _departments(engine, query)
    if not departments:
        return []
    request = SearchRequest(
        filters={"department": departments, "kind": ["service"]},
        sort="short",
        per_page=POPULAR_COUNT,
        highlight=False,
    )
    return engine.search(request).hits


class _Words:
    """The catalog's vocabulary, asked for once and only when needed."""

    def __init__(self, source: Callable[[], Vocabulary | None] | None) -> None:
        self._source = source
        self._asked = False
        self._words: Vocabulary | None = None

    def get(self) -> Vocabulary | None:
        if not self._asked and self._source is not None:
            self._asked, self._words = True, self._source()
        return self._words


def _homophone_correction(query: AnalyzedQuery, words: _Words) -> str | None:
    """The first correction by sound whose replaced span is not itself a word of the catalog's
    names: 工商 sounds like the known term 工伤, but a citizen who typed 工商户 made no slip."""
    replaced = {expansion.variant.text: expansion.matched for expansion in query.expansions}
    for corrected_text in query.corrections:
        vocabulary = words.get()
        if vocabulary is None or replaced.get(corrected_text) not in vocabulary:
            return corrected_text
    return None


def answer(
    engine: SearchEngine,
    request: SearchRequest,
    vocabulary: Callable[[], Vocabulary | None] | None = None,
) -> CitizenAnswer:
    """Search, then relax, correct and point elsewhere when the search finds nothing useful.
    ``vocabulary`` gives the catalog's words, asked for only when a slip may need correcting
    (one that does not sound like the word)."""
    result = engine.search(request)
    if not request.text:
        return CitizenAnswer(result)
    query = analyze_query(request.text, request.synonyms)
    words = _Words(vocabulary)
    did_you_mean = _homophone_correction(query, words)
    if result.total and (request.page > 1 or matches_content(result.hits, query)):
        return CitizenAnswer(result, did_you_mean=did_you_mean)
    known = words.get() if did_you_mean is None else None
    if known is not None:
        did_you_mean = known.correct(request.text)
    loose = relaxed_text(query)
    if loose and loose != query.core:
        relaxed = engine.search(replace(request, text=loose))
        if relaxed.total and (not result.total or matches_content(relaxed.hits, query)):
            top = relaxed.hits[0].name if relaxed.hits else None
            return CitizenAnswer(relaxed, relaxed=True, did_you_mean=did_you_mean or top)
    if result.total:
        return CitizenAnswer(result, did_you_mean=did_you_mean)
    return CitizenAnswer(
        result, zero_result=True, did_you_mean=did_you_mean, popular=popular_items(engine, query)
    )
