"""The contract both search engines fulfil, and the reports they return.

One contract, one test suite (tests/search/test_engine_contract.py) run against each
engine. Writes (:meth:`SearchEngine.index`, :meth:`SearchEngine.delete`) are visible to
searches when they return. Failures of single documents are reported, not raised; an
engine that cannot be reached raises :class:`search.errors.EngineUnavailable`, so the
outbox indexer keeps its row and retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from search.documents import SearchDocument
from search.query import SearchRequest, SearchResult, Suggestion


@dataclass(frozen=True)
class ItemError:
    """Why one document could not be written."""

    id: str
    reason: str


@dataclass(frozen=True)
class Removal:
    """A document to take out of the index, decided when its row was at ``version``.

    A removal is ordered by the row's version like a write: an indexed document of a newer
    version stays, because the row changed again after the removal was decided. ``None``
    removes whatever is indexed (the row is gone).
    """

    id: str
    version: int | None = None


# Changes made to the database while a rebuild read it: what the new index must take too.
CatchUp = Callable[[], tuple[Sequence[SearchDocument], Sequence[Removal]]]


@dataclass
class BulkResult:
    """Outcome of a batch write: how many were written, skipped as stale, or failed."""

    indexed: int = 0
    stale: int = 0  # a newer version is indexed (or, for a write, removed): nothing to do
    errors: list[ItemError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ReindexReport:
    """Outcome of a full rebuild; the live index changed only if ``switched``."""

    new_index: str
    previous_index: str | None
    expected_count: int
    indexed: int = 0
    caught_up: int = 0  # changes made during the rebuild, written to it before the switch
    replayed: int = 0  # the same rows, queued again after the switch (by the catalog)
    count: int | None = None  # documents the new index holds after its refresh (before catch-up)
    mapping_ok: bool = False
    switched: bool = False
    seconds: float = 0.0
    deleted_indices: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.switched and not self.problems

    @property
    def rate(self) -> float:
        """Documents written per second."""
        return self.indexed / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class EngineHealth:
    """What an operator's health check shows: can it search, on which index, how full."""

    engine: str
    ok: bool
    index: str | None
    count: int | None
    detail: str = ""


@runtime_checkable
class SearchEngine(Protocol):
    """What the catalog needs from a search engine."""

    name: str

    def ensure_index(self) -> None:
        """Create the live index if there is none; leave an existing one untouched."""

    def index(self, docs: Iterable[SearchDocument]) -> BulkResult:
        """Add or replace documents; a document older than the indexed one is skipped."""

    def delete(self, removals: Iterable[Removal]) -> BulkResult:
        """Remove documents unless a newer version is indexed; an id not indexed is no error."""

    def search(self, request: SearchRequest) -> SearchResult:
        """Run a citizen search: text, filters, facets, paging, highlight."""

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Item names completing a typed prefix (Chinese, full pinyin or initials)."""

    def reindex(
        self, docs: Iterable[SearchDocument], expected_count: int, catch_up: CatchUp | None = None
    ) -> ReindexReport:
        """Build a new versioned index, verify it, then switch to it atomically.

        The live index keeps serving throughout and is never emptied; if any document
        fails, the schema differs or the count is not ``expected_count``, the new index
        is dropped and the live one stays. Writes made to the live index while the new
        one is built are not in it: ``catch_up``, called once the new index passed its
        checks, returns the changes made meanwhile, and they are written to the new index
        (versioned) just before the switch. Changes made after that call are the caller's
        to replay into the live index after the switch (catalog.services.search_reindex).
        """

    def fetch_versions(self) -> dict[str, int]:
        """Every indexed id with its version, to compare with the database (verify)."""

    def count(self) -> int:
        """Number of documents in the live index."""

    def health(self) -> EngineHealth:
        """Whether the engine answers and which index is live; never raises."""
