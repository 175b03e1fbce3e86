"""How seed data is written: through ``crud.create_row``, idempotently, optionally back-dated.

- Every row is loaded with its list's marshmallow schema and created with ``crud.create_row``,
  so it passes the same field validation and cross-field rules as an API write, and gets the
  same ChangeRecord and SearchOutbox rows (no logic of crud/history is repeated here).
- Idempotent by natural key: before creating a row the loader looks its key up (USCC, 实施编码,
  监管事项编码, 执法证号, …). A row that exists is left as it is — a second run, or a run after
  people edited the seeded rows, writes nothing for it: no row, no history, no outbox.
- ``as_of``: a dataset that stands for the lists at a past moment (云城区 "as of 2020-12-31")
  dates the ChangeRecords it writes, and the rows' created_at/updated_at, at that moment, so
  figures computed "as of" that date see it. The search outbox rows keep the real time: the
  index has to take them now.
- ``atomic_session``: the CLI runs a whole dataset in one database transaction. Each
  ``create_row`` commit then only releases a SAVEPOINT, and a failure leaves nothing behind.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from catalog.models import ChangeRecord
from catalog.models.base import Timestamped
from catalog.services import crud
from catalog.services.errors import DomainError
from catalog.services.permissions import Actor
from catalog.services.registry import ListSpec

SEED_ACTOR = Actor.system("seed", "seed")


@dataclass
class SeedReport:
    """What one run did: rows created and rows found already present, per list."""

    dataset: str
    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def lines(self) -> list[str]:
        names = list(dict.fromkeys([*self.created, *self.existing]))
        width = max((len(n) for n in names), default=10)
        rows = [
            f"  {n:<{width}}  新建 {self.created[n]:>5}  已有 {self.existing[n]:>5}" for n in names
        ]
        total = f"{self.dataset}: 新建 {self.total_created} 行，已有 {sum(self.existing.values())} 行，用时 {self.seconds:.1f} 秒"
        return [total, *rows]


@contextmanager
def atomic_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are SAVEPOINTs inside one transaction, committed at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
        session.close()
        transaction.commit()
    except BaseException:
        session.close()
        transaction.rollback()
        raise
    finally:
        connection.close()


class SeedError(RuntimeError):
    """A seed row failed validation: the message names the row and every field problem."""


class Loader:
    """Creates rows through crud unless a row with the same natural key exists.

    Use as a context manager: inside it, when ``as_of`` is given, new ChangeRecords and new
    rows are dated at that moment.
    """

    def __init__(
        self, session: Session | scoped_session, dataset: str, as_of: datetime | None = None
    ) -> None:
        self.session = session
        self._plain_session: Session = session() if isinstance(session, scoped_session) else session
        self.as_of = as_of.astimezone(UTC) if as_of else None
        self.report = SeedReport(dataset)
        self._keys: dict[tuple[type, tuple[str, ...]], dict[tuple[Any, ...], int]] = {}
        self._references: crud.SeenReferences = set()  # each department looked up once
        self._started = 0.0

    # -- dating -------------------------------------------------------------------------
    def __enter__(self) -> Loader:
        self._started = time.perf_counter()
        if self.as_of is not None:
            event.listen(self._plain_session, "before_flush", self._date_new_rows)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.as_of is not None:
            event.remove(self._plain_session, "before_flush", self._date_new_rows)
        self.report.seconds = time.perf_counter() - self._started

    def _date_new_rows(self, session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.new:
            if isinstance(obj, ChangeRecord):
                obj.changed_at = self.as_of
            elif isinstance(obj, Timestamped):
                obj.created_at = obj.updated_at = self.as_of

    # -- rows ---------------------------------------------------------------------------
    def ensure(self, spec: ListSpec, key: Sequence[str], data: dict[str, Any]) -> int:
        """The id of the row of ``spec`` whose ``key`` fields equal ``data``'s; created if missing."""
        key = tuple(key)
        known = self._known(spec, key)
        value = tuple(data[name] for name in key)
        if value in known:
            self.report.existing[spec.name] += 1
            return known[value]
        try:
            row = crud.create_row(
                self.session, spec, spec.schema().load(data), SEED_ACTOR, seen=self._references
            )
        except DomainError as error:
            details = "; ".join(
                f"{name}: {', '.join(e.message for e in errors)}"
                for name, errors in error.fields.items()
            )
            raise SeedError(
                f"{spec.label} {dict(zip(key, value, strict=True))}: {error.message} {details}"
            ) from error
        known[value] = row.id
        self.report.created[spec.name] += 1
        return row.id

    def _known(self, spec: ListSpec, key: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        cache_key = (spec.model, key)
        if cache_key not in self._keys:
            columns = [getattr(spec.model, name) for name in key]
            rows = self.session.execute(select(spec.model.id, *columns)).all()
            self._keys[cache_key] = {tuple(row[1:]): row[0] for row in rows}
        return self._keys[cache_key]
