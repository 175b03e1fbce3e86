"""What SQLAlchemy's stubs leave untyped for the services: the shapes of the mapped classes
that generic code takes as arguments, and the row count of a bulk UPDATE or DELETE.

A function handed "a list's model" reads ``model.id`` as a column; typed as a bare ``type`` that
is an error to mypy, and typed as one model it is a lie. These protocols state what the code
relies on, and mypy checks its uses against them. (The models derive from Flask-SQLAlchemy's
``db.Model``, which mypy reads as Any, so it cannot check that a model passed has them.)
Each column is a ClassVar because it is one: a descriptor on the class (``model.id`` is a
column, ``row.id`` its value); declared as a plain attribute, mypy would type ``row.id`` as the
descriptor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol, cast

from sqlalchemy import CursorResult, Delete, FromClause, Update
from sqlalchemy.orm import Mapped, Session


class Identified(Protocol):
    """A mapped class whose rows have an integer ``id``."""

    __table__: ClassVar[FromClause]
    id: ClassVar[Mapped[int]]


class ListModel(Identified, Protocol):
    """A list's mapped class (a ListSpec's model): edited by people, so versioned and
    timestamped (models/base.py's Versioned)."""

    version: ClassVar[Mapped[int]]
    updated_at: ClassVar[Mapped[datetime]]


class WorkflowModel(ListModel, Protocol):
    """A list's mapped class whose rows have a workflow status (models/base.py's ListRow)."""

    status: ClassVar[Mapped[str]]


def rows_changed(session: Session, statement: Update | Delete) -> int:
    """How many rows an UPDATE or DELETE without RETURNING changed.

    The session runs it on a cursor and returns that CursorResult, but ``Session.execute`` is
    typed to return a Result, which has no rowcount (sqlalchemy/sqlalchemy#12913: the session
    cannot promise it for every statement, so the caller who knows says so).
    """
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
