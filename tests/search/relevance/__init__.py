"""Judged relevance sets: query -> expected items, with the rank a hit must reach.

``load_judged_set()`` reads a TSV such as ``guangan_judged.tsv`` (format in README.md);
The 广安区 catalog the set was judged on is ``seed.guangan.load_items()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
GUANGAN_JUDGED = HERE / "guangan_judged.tsv"
# citizen queries in their own words (issue 16), split before tuning: README.md
GUANGAN_CITIZEN_TUNE = HERE / "guangan_citizen_tune.tsv"
GUANGAN_CITIZEN_HOLDOUT = HERE / "guangan_citizen_holdout.tsv"
CITIZEN_CATEGORIES = (
    "colloquial",
    "intent",
    "lost_replace",
    "money",
    "life_event",
    "pinyin",
    "typo",
)

COLUMNS = ("query", "category", "expected", "k", "note")
EXPECTED_SEPARATOR = " || "
CATEGORIES = (
    "exact_name",
    "two_char",
    "non_contiguous",
    "pinyin_full",
    "pinyin_initials",
    "synonym",
    "traditional",
    "fullwidth",
)


@dataclass(frozen=True)
class Judgment:
    query: str
    category: str
    expected: tuple[str, ...]
    k: int
    note: str
    line: int


class JudgedSetError(ValueError):
    pass


def load_judged_set(path: Path | str = GUANGAN_JUDGED) -> list[Judgment]:
    """Parse a judged-set TSV: ``#`` lines and blank lines are skipped, then a header line."""
    path = Path(path)
    rows: list[Judgment] = []
    header_seen = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            if tuple(fields) != COLUMNS:
                raise JudgedSetError(f"{path}:{number}: header must be {'<TAB>'.join(COLUMNS)}")
            header_seen = True
            continue
        if len(fields) != len(COLUMNS):
            raise JudgedSetError(f"{path}:{number}: {len(fields)} fields, expected {len(COLUMNS)}")
        query, category, expected, k, note = fields
        try:
            k_value = int(k)
        except ValueError:
            raise JudgedSetError(f"{path}:{number}: k={k!r} is not an integer") from None
        rows.append(
            Judgment(
                query=query,
                category=category,
                expected=tuple(e.strip() for e in expected.split(EXPECTED_SEPARATOR)),
                k=k_value,
                note=note,
                line=number,
            )
        )
    if not header_seen:
        raise JudgedSetError(f"{path}: no header line")
    return rows
