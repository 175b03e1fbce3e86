"""The judged relevance set on the 广安区 catalog is well formed and honest to the data.

It checks the set itself, not a search engine: every expected name exists verbatim in
guangan-items.json, each category is what it says (a two-character word inside the
name, words out of order or apart, pinyin that really spells the name, ...).
"""

from __future__ import annotations

import collections
import re
import unicodedata

import opencc
import pytest
from pypinyin import Style, lazy_pinyin

from seed.guangan import load_items
from tests.search.relevance import (
    CATEGORIES,
    CITIZEN_CATEGORIES,
    GUANGAN_CITIZEN_HOLDOUT,
    GUANGAN_CITIZEN_TUNE,
    GUANGAN_JUDGED,
    load_judged_set,
)

MIN_ROWS = 48
MIN_PER_CATEGORY = 5


@pytest.fixture(scope="module")
def judged():
    return load_judged_set()


@pytest.fixture(scope="module")
def names() -> collections.Counter:
    return collections.Counter(item["name"] for item in load_items())


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="ignore"))


def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore"))


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def _has_fullwidth(text: str) -> bool:
    return any("\uff01" <= ch <= "\uff5e" or ch == "\u3000" for ch in text)


def test_file_is_plain_utf8_tsv():
    raw = GUANGAN_JUDGED.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert b"\r" not in raw, "LF line endings only"
    raw.decode("utf-8")


def test_size_and_categories(judged):
    assert len(judged) >= MIN_ROWS
    counts = collections.Counter(j.category for j in judged)
    unknown = set(counts) - set(CATEGORIES)
    assert not unknown, f"unknown categories {unknown}"
    thin = {c: counts.get(c, 0) for c in CATEGORIES if counts.get(c, 0) < MIN_PER_CATEGORY}
    assert not thin, f"categories with fewer than {MIN_PER_CATEGORY} queries: {thin}"


def test_no_duplicate_queries(judged):
    counts = collections.Counter(j.query for j in judged)
    assert [q for q, n in counts.items() if n > 1] == []


def test_every_expected_name_exists_verbatim(judged, names):
    missing = [(j.line, j.query, e) for j in judged for e in j.expected if e not in names]
    assert missing == [], "expected names not in guangan-items.json: " + repr(missing)


def test_k_and_expected_are_sane(judged):
    for j in judged:
        assert j.query and j.query == j.query.strip(), f"line {j.line}: empty or padded query"
        assert j.expected and all(j.expected), f"line {j.line}: empty expected"
        assert len(set(j.expected)) == len(j.expected), f"line {j.line}: repeated expected name"
        assert j.k >= 1, f"line {j.line}: k must be >= 1"
        if j.category == "exact_name":
            assert j.k == 1, f"line {j.line}: an exact name must rank 1"
        else:
            assert j.k in (3, 5, 10), f"line {j.line}: k is 3, 5 or 10 outside exact_name"


def test_exact_names_are_unique_items(judged, names):
    for j in judged:
        if j.category == "exact_name":
            assert j.expected == (j.query,), f"line {j.line}: the query is the expected name"
            assert names[j.query] == 1, f"line {j.line}: {j.query} is not a unique name"


def test_two_char_words_are_inside_the_names(judged):
    for j in judged:
        if j.category == "two_char":
            assert len(j.query) == 2, f"line {j.line}"
            assert all(j.query in e for e in j.expected), f"line {j.line}: {j.query} not in all"


def test_non_contiguous_words_are_apart_in_the_names(judged):
    for j in judged:
        if j.category == "non_contiguous":
            words = j.query.replace(" ", "")
            for e in j.expected:
                assert _is_subsequence(words, e), f"line {j.line}: {j.query} not in order in {e}"
                assert words not in e, f"line {j.line}: {j.query} is contiguous in {e}"


def test_pinyin_spells_an_expected_name(judged):
    for j in judged:
        if j.category == "pinyin_full":
            assert re.fullmatch(r"[a-z]+( [a-z]+)*", j.query), f"line {j.line}: toneless pinyin"
            joined = j.query.replace(" ", "")
            assert any(joined in _pinyin(e) for e in j.expected), f"line {j.line}: {j.query}"
        elif j.category == "pinyin_initials":
            assert re.fullmatch(r"[a-z]{2,}", j.query), f"line {j.line}: lowercase initials"
            assert any(j.query in _initials(e) for e in j.expected), f"line {j.line}: {j.query}"


def test_traditional_queries_are_traditional(judged):
    to_simplified = opencc.OpenCC("t2s")
    for j in judged:
        if j.category == "traditional":
            simplified = to_simplified.convert(j.query)
            assert simplified != j.query, f"line {j.line}: {j.query} has no traditional form"
            assert any(simplified in e for e in j.expected), f"line {j.line}: {simplified}"


def test_fullwidth_queries_differ_only_in_width(judged, names):
    for j in judged:
        if j.category != "fullwidth":
            continue
        folded = unicodedata.normalize("NFKC", j.query)
        if _has_fullwidth(j.query):
            assert folded != j.query, f"line {j.line}"
        else:  # the reverse case: a half-width query for a full-width name
            assert j.query not in names, f"line {j.line}: the query is itself a name"
            assert any(folded in unicodedata.normalize("NFKC", e) for e in j.expected), (
                f"line {j.line}: {j.query} is not a width variant of an expected name"
            )


def test_synonym_queries_need_the_synonym(judged):
    for j in judged:
        if j.category == "synonym":
            assert all(j.query not in e for e in j.expected), (
                f"line {j.line}: {j.query} is literally in an expected name"
            )


# -- citizen queries (issue 16): two halves, split before tuning ---------------------------


@pytest.fixture(scope="module")
def citizen_halves():
    return {
        "tune": load_judged_set(GUANGAN_CITIZEN_TUNE),
        "holdout": load_judged_set(GUANGAN_CITIZEN_HOLDOUT),
    }


def test_citizen_sets_are_plain_utf8_tsv():
    for path in (GUANGAN_CITIZEN_TUNE, GUANGAN_CITIZEN_HOLDOUT):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw, path
        assert "split BEFORE any tuning" in raw.decode("utf-8"), path


def test_citizen_halves_are_large_disjoint_and_cover_every_kind(citizen_halves, judged):
    tune, holdout = citizen_halves["tune"], citizen_halves["holdout"]
    assert len(tune) + len(holdout) >= 200
    assert abs(len(tune) - len(holdout)) <= len(CITIZEN_CATEGORIES)
    queries = [j.query for j in tune + holdout]
    assert len(queries) == len(set(queries)), "a query is in both halves or twice in one"
    assert not set(queries) & {j.query for j in judged}, "a citizen query repeats the judged set"
    for half in (tune, holdout):
        counts = collections.Counter(j.category for j in half)
        assert set(counts) == set(CITIZEN_CATEGORIES), counts
        assert min(counts.values()) >= MIN_PER_CATEGORY, counts


def test_citizen_expected_names_exist_and_k_is_sane(citizen_halves, names):
    for half in citizen_halves.values():
        for j in half:
            missing = [e for e in j.expected if e not in names]
            assert not missing, f"line {j.line} {j.query}: not in guangan-items.json: {missing}"
            assert j.k in (3, 5, 10), f"line {j.line}: k is 3, 5 or 10"
            if j.category == "pinyin":
                assert re.fullmatch(r"[a-z]+( [a-z]+)*", j.query), f"line {j.line}: pinyin"
            else:
                assert re.search(r"[\u4e00-\u9fff]", j.query), f"line {j.line}: Chinese query"
