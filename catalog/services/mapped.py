"""The shapes of the mapped classes that generic code takes as arguments.

A function handed "a list's model" reads ``model.id`` as a column; typed as a bare ``type`` that
is an error to mypy, and typed as one model it is a lie. These protocols state what the code
relies on: every class passed must have those columns, which mypy checks at each call.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Protocol

from sqlalchemy import FromClause
from sqlalchemy.orm import Mapped


class Identified(Protocol):
    """A mapped class whose rows have an integer ``id``."""

    __table__: ClassVar[FromClause]
    id: Mapped[int]


class ListModel(Identified, Protocol):
    """A list's mapped class (a ListSpec's model): edited by people, so versioned and
    timestamped (models/base.py's Versioned)."""

    version: Mapped[int]
    updated_at: Mapped[datetime]


class WorkflowModel(ListModel, Protocol):
    """A list's mapped class whose rows have a workflow status (models/base.py's ListRow)."""

    status: Mapped[str]
