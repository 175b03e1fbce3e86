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
    intent_weight: float = 0.9
    implied_weight: float = 0.6
    sounds_like_weight: float = 0.5
    generic_weight: float = 0.1
    action_weight: float = 0.35
    service_bonus: float = 0.0
    exact_name_kinds: tuple[str, ...] = ("service",)
    required_percent: int = 0  # of a field's tokens, from required_from to required_until
    required_from: int = 3
    required_until: int = 24
    required_at_most: int = 1

    def tokens_required(self, count: int) -> int:
        """How many of a reading's ``count`` finding tokens in one field a document must hold
        to be found by them: ``required_percent`` of them (rounded down, as Elasticsearch
        rounds a percentage), but no more than ``required_at_most``, when ``count`` is from
        ``required_from`` to ``required_until``; else any one."""
        if not self.required_from <= count <= self.required_until:
            return 1
        return max(1, min(self.required_at_most, count * self.required_percent // 100))

    def reading_weight(self, role: str) -> float:
        """How much a reading of the query counts, by how it was made (search.analysis)."""
        return {
            "typed": 1.0,
            "synonym": self.synonym_weight,
            "intent": self.intent_weight,
            "implied": self.implied_weight,
            "sounds_like": self.sounds_like_weight,
        }[role]

    def token_weight(self, token_class: str | None) -> float:
        """How much a token counts, by its class (None: a normal token)."""
        if token_class is None:
            return 1.0
        return {
            "generic": self.generic_weight,
            "action": self.action_weight,
            "implied_object": self.action_weight,
        }[token_class]

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
            intent_weight=float(data["understanding"]["intent_weight"]),
            implied_weight=float(data["understanding"]["implied_weight"]),
            sounds_like_weight=float(data["understanding"]["sounds_like_weight"]),
            generic_weight=float(data["understanding"]["generic_weight"]),
            action_weight=float(data["understanding"]["action_weight"]),
            service_bonus=float(data["lists"]["service_bonus"]),
            exact_name_kinds=tuple(data["exact_name"]["kinds"]),
            required_percent=int(data["matching"]["required_percent"]),
            required_from=int(data["matching"]["required_from"]),
            required_until=int(data["matching"]["required_until"]),
            required_at_most=int(data["matching"]["required_at_most"]),
        )


@lru_cache(maxsize=1)
def default_settings() -> RelevanceSettings:
    """The settings in ``data/relevance.toml`` (read once per process)."""
    with RELEVANCE_FILE.open("rb") as handle:
        return RelevanceSettings.from_dict(tomllib.load(handle))
