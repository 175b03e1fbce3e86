"""What both engines' rebuilds share: the order of the steps (:meth:`SearchEngine.reindex`).

Each engine builds, checks and switches to a new index its own way; when a step may run, and
what happens to the new index when one fails, is stated here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Generic, TypeVar

from search.documents import SearchDocument
from search.engines.base import CatchUp, ReindexReport

Target = TypeVar("Target")  # where an engine builds the new index: an index name, a directory


class Rebuilding(ABC, Generic[Target]):
    """An engine's rebuild steps, run in the order and with the rules of ``_build_and_switch``."""

    @abstractmethod
    def _fill(self, target: Target, docs: Iterable[SearchDocument], report: ReindexReport) -> None:
        """Write every document to the new index."""

    @abstractmethod
    def _verify(self, target: Target, report: ReindexReport) -> None:
        """Read the new index back: its schema and its count."""

    @abstractmethod
    def _catch_up(self, target: Target, catch_up: CatchUp, report: ReindexReport) -> None:
        """Write the changes made while the new index was filled, just before the switch."""

    @abstractmethod
    def _drop_quietly(self, target: Target) -> None:
        """Drop a half-built index; if that fails too, the original error matters."""

    @abstractmethod
    def _switch(self, target: Target, report: ReindexReport) -> None:
        """Make the new index the live one, then delete those older than the previous one."""

    def _build_and_switch(
        self,
        target: Target,
        docs: Iterable[SearchDocument],
        catch_up: CatchUp | None,
        report: ReindexReport,
    ) -> None:
        """Fill and verify the new index and catch it up; switch to it only if no step found a
        problem, else drop it (also when a step raises): the live index stays as it was."""
        try:
            self._fill(target, docs, report)
            self._verify(target, report)
            if catch_up is not None and not report.problems:
                self._catch_up(target, catch_up, report)
        except BaseException:
            self._drop_quietly(target)
            raise
        if report.problems:
            self._drop_quietly(target)
        else:
            self._switch(target, report)
