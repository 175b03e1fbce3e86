"""Relevance weights, read from the commented data file ``data/relevance.toml``.

The weights are data, GOV.UK style (``config/query/boosting.yml``): an operator can
tune them, with the judged set as the referee, without touching the query code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.documents import FIELDS, FieldType

RELEVANCE_FILE = Path(__file__).with_name("data") / "relevance.toml"


@dataclass(frozen=True)
class RelevanceSettings:
    """Field boosts, the exact-name boost and how synonym rewrites are weighed."""

    field_boosts: dict[str, float]
    exact_name_boost: float
    synonym_weight: float
    synonym_tie_breaker: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RelevanceSettings:
        """Validate the parsed file: every boost must name a token field of the index."""
        boosts = {name: float(value) for name, value in data["fields"].items()}
        token_fields = {name for name, spec in FIELDS.items() if spec.type is FieldType.TOKENS}
        unknown = set(boosts) - token_fields
        if unknown:
            raise ValueError(f"relevance.toml boosts unknown fields: {', '.join(sorted(unknown))}")
        if any(value < 0 for value in boosts.values()):
            raise ValueError("relevance.toml: field boosts must not be negative")
        return cls(
            field_boosts=boosts,
            exact_name_boost=float(data["exact_name"]["boost"]),
            synonym_weight=float(data["synonyms"]["weight"]),
            synonym_tie_breaker=float(data["synonyms"]["tie_breaker"]),
        )


@lru_cache(maxsize=1)
def default_settings() -> RelevanceSettings:
    """The settings in ``data/relevance.toml`` (read once per process)."""
    with RELEVANCE_FILE.open("rb") as handle:
        return RelevanceSettings.from_dict(tomllib.load(handle))
