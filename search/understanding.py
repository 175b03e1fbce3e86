"""Reading a query the way a citizen means it: question words out, intent and object found.

The rules are data (``data/citizen.toml``, commented there): ignored words (怎么办, 在哪, 吗),
generic words that may not carry a query alone (开, 办, 证), and intents (开X店, X丢了,
X报销, X补贴 …) that capture the query's object and name the catalog's action words for
it. This module only applies them; search.analysis turns the result into token streams.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.segment import precise_words

CITIZEN_FILE = Path(__file__).with_name("data") / "citizen.toml"
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Intent:
    """One intent: patterns capturing ``object``, the action words, implied objects."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    actions: tuple[str, ...]
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    ignore: frozenset[str]
    generic: frozenset[str]
    intents: tuple[Intent, ...]
    departments: dict[str, str]  # query word → part of a department's name


@dataclass(frozen=True)
class Understanding:
    """A normalised query without its ignored words, and the intent found in it, if any."""

    core: str
    intent: Intent | None = None
    object: str = ""


def parse_rules(data: dict[str, Any]) -> Rules:
    """Rules from the parsed data file; a pattern without an ``object`` group is an error."""
    intents = []
    for entry in data.get("intent", []):
        patterns = tuple(re.compile(p) for p in entry["patterns"])
        for pattern in patterns:
            if "object" not in pattern.groupindex:
                raise ValueError(
                    f"citizen.toml intent {entry['name']}: a pattern lacks (?P<object>…)"
                )
        intents.append(
            Intent(entry["name"], patterns, tuple(entry["actions"]), tuple(entry.get("also", ())))
        )
    return Rules(
        ignore=frozenset(data["ignore"]["words"]),
        generic=frozenset(data["generic"]["words"]),
        intents=tuple(intents),
        departments=dict(data.get("departments", {})),
    )


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The rules of ``data/citizen.toml`` (read once per process)."""
    with CITIZEN_FILE.open("rb") as handle:
        return parse_rules(tomllib.load(handle))


def _without_ignored(normalized: str, ignore: frozenset[str]) -> str:
    """The query with ignored words removed where jieba finds them as whole words."""

    def strip_run(match: re.Match[str]) -> str:
        return "".join(word for word in precise_words(match.group()) if word not in ignore)

    return " ".join(_HAN_RUN.sub(strip_run, normalized).split())


def understand(normalized: str, given: Rules | None = None) -> Understanding:
    """The core of a normalised query and its intent (the first intent whose pattern matches).

    A query made only of ignored words keeps them: 怎么办 alone is still what was asked.
    """
    current = given or rules()
    core = _without_ignored(normalized, current.ignore) or normalized
    compact = core.replace(" ", "")
    for intent in current.intents:
        for pattern in intent.patterns:
            match = pattern.match(compact)
            if match and match.group("object"):
                return Understanding(core, intent, match.group("object"))
    return Understanding(core)
