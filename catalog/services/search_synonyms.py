"""Query-time synonyms administrators add in the console, applied without deploy or reindex.

Each rule is one line in the format of search/data/synonyms.txt. Every search asks for the
table through :func:`current_table`, which compares a version stamp of the rules (count and
highest id, one small query) with the one it built the table from and rebuilds it only when
they differ. The stamp is checked at most every :data:`CHECK_SECONDS` per process (the query
was a tenth of a search's time): a rule added in one gunicorn worker applies at once in that
worker and within that many seconds in every other.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from search.analysis import normalize, synonym_table
from search.synonyms import SynonymTable, parse_synonyms

from ..models import SearchSynonym
from .errors import DomainError, FieldError
from .mapped import rows_changed
from .permissions import Actor, authorize, use_case

MAX_RULE_CHARS = 500
CHECK_SECONDS = 2.0

_lock = threading.Lock()
# this process's table: {"built": (stamp, table, checked at)}; a dict, not a global rebound
_memo: dict[str, tuple[tuple[object, ...], SynonymTable, float]] = {}


@dataclass(frozen=True)
class Rule:
    id: int
    rule: str
    note: str | None
    created_by: str


def _stamp(session: Session) -> tuple[object, ...]:
    """Changes whenever a rule is added or deleted (an id SQLite reuses gets a new time)."""
    row = session.execute(
        select(func.count(), func.max(SearchSynonym.id), func.max(SearchSynonym.created_at))
    ).one()
    return tuple(row)


def current_table(session: Session) -> SynonymTable:
    """The data files' synonyms plus the administrators' rules, rebuilt when they change."""
    built = _memo.get("built")
    now = time.monotonic()
    if built is not None and now - built[2] < CHECK_SECONDS:
        return built[1]
    stamp = _stamp(session)
    if built is not None and built[0] == stamp:
        table = built[1]
    else:
        rules = list(session.scalars(select(SearchSynonym.rule).order_by(SearchSynonym.id)))
        table = synonym_table(rules)
    with _lock:
        _memo["built"] = (stamp, table, now)
    return table


def _forget() -> None:
    """This process's own change applies on its next search, not after CHECK_SECONDS."""
    with _lock:
        _memo.pop("built", None)


@use_case("search.synonyms")
def list_rules(session: Session, actor: Actor) -> list[Rule]:
    authorize(actor, "search.synonyms")
    rows = session.scalars(select(SearchSynonym).order_by(SearchSynonym.id.desc()))
    return [Rule(r.id, r.rule, r.note, r.created_by) for r in rows]


@use_case("search.synonyms")
def add_rule(session: Session, actor: Actor, rule: str, note: str | None = None) -> Rule:
    """Check a rule as the synonym file would read it, then store it."""
    authorize(actor, "search.synonyms")
    text = " ".join((rule or "").split())
    problem = _problem(text)
    if problem:
        raise DomainError(
            "validation_failed", "同义词规则无效。", 422, {"rule": [FieldError("invalid", problem)]}
        )
    row = SearchSynonym(rule=text, note=(note or "").strip()[:200] or None, created_by=actor.name)
    session.add(row)
    session.commit()
    _forget()
    return Rule(row.id, row.rule, row.note, row.created_by)


def _problem(text: str) -> str | None:
    if not text:
        return "请填写规则，例如“良民证 => 无犯罪记录证明”或“社保, 社会保险”。"
    if len(text) > MAX_RULE_CHARS or "#" in text:
        return f"规则不能超过 {MAX_RULE_CHARS} 个字符，也不能含“#”。"
    try:
        parsed = parse_synonyms([text], normalize)
    except ValueError:
        return "“=>”两边都要有词语，词语之间用逗号分隔。"
    if not parsed:
        return "至少要有两个不同的词语。"
    return None


@use_case("search.synonyms")
def delete_rule(session: Session, actor: Actor, rule_id: int) -> None:
    authorize(actor, "search.synonyms")
    if rows_changed(session, delete(SearchSynonym).where(SearchSynonym.id == rule_id)) == 0:
        raise DomainError("not_found", "没有这条同义词规则。", 404)
    session.commit()
    _forget()
