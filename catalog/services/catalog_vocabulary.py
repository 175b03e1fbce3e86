"""The words of the published item names, for "did you mean" (search.spelling).

Building the vocabulary segments every published name (about 0.2 s of CPU per thousand names),
so it never happens while a citizen waits: a process keeps the last one built and, at most every
REFRESH_SECONDS, looks in a background thread on a connection of its own whether the catalog
changed since (the token of CatalogGeneration, which every commit recording a change replaces:
the newest history record's id was not enough on PostgreSQL, where a transaction that took a
lower id may commit after one that took a higher), and only then builds the next.
Until the first build ends the search answers without this correction (the homophone
corrections of the synonym files still apply). A session bound to a single connection (a
command, the tests' SAVEPOINT) cannot lend it to a thread, and builds in place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from search.spelling import Vocabulary

from ..models import CatalogGeneration
from ..models.codes import PUBLISHED
from .registry import SEARCHABLE

REFRESH_SECONDS = 300.0
logger = logging.getLogger(__name__)

_lock = threading.Lock()
# database URL → (when last checked, the catalog's generation then, the vocabulary)
_built: dict[str, tuple[float, str | None, Vocabulary]] = {}
_building: set[str] = set()


_NAME_COLUMNS = (
    "name",
    "sub_item_name",
    "main_name",
    "sub_name",
)  # 监管事项 have 主项 and 子项 names


def _names(connection: Connection | Session) -> Iterator[str]:
    for model in (spec.workflow_model for spec in SEARCHABLE.values()):
        for column in (getattr(model, n) for n in _NAME_COLUMNS if hasattr(model, n)):
            query = select(column).where(model.status == PUBLISHED, column.is_not(None)).distinct()
            yield from connection.scalars(query)


Stamp = tuple[str, str | None]


def current(session: Session) -> Vocabulary | None:
    """The vocabulary as of at most REFRESH_SECONDS ago (None while the first is being built)."""
    return stamped(session)[1]


def stamped(session: Session) -> tuple[Stamp | None, Vocabulary | None]:
    """:func:`current` with the stamp :func:`stamp` gives for it, read together."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return None, Vocabulary(_names(session))
    key = bind.url.render_as_string(hide_password=True)
    with _lock:
        built = _built.get(key)
        stale = built is None or time.monotonic() - built[0] > REFRESH_SECONDS
        if stale and key not in _building:
            _building.add(key)
            threading.Thread(
                target=_refresh, args=(bind, key, built), name="qingdan-vocabulary", daemon=True
            ).start()
    return (("built", built[1]), built[2]) if built else (("none", None), None)


def stamp(session: Session) -> Stamp | None:
    """Names the vocabulary :func:`current` gives now: the catalog generation it was built from
    (equal stamps, equal words), or that none is built yet. None when ``session`` cannot lend a
    connection and every call builds afresh from what that session sees."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return None
    with _lock:
        built = _built.get(bind.url.render_as_string(hide_password=True))
    return ("built", built[1]) if built else ("none", None)


def _refresh(bind: Engine, key: str, built: tuple[float, str | None, Vocabulary] | None) -> None:
    try:
        with bind.connect() as connection:
            newest = connection.scalar(select(CatalogGeneration.token))
            if built is not None and built[1] == newest:
                vocabulary = built[2]  # nothing changed: no segmenting
            else:
                vocabulary = Vocabulary(_names(connection))
        with _lock:
            _built[key] = (time.monotonic(), newest, vocabulary)
    except SQLAlchemyError as error:
        # the database went away mid-build (a restart, a failover): searches go on with the
        # last vocabulary, and the next one starts another build
        logger.warning("did-you-mean vocabulary not rebuilt: %s", error.__class__.__name__)
    finally:
        with _lock:
            _building.discard(key)
