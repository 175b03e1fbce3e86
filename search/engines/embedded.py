"""The embedded engine: tantivy in-process, the default when no Elasticsearch is set.

One machine with no services runs the whole product: the index lives in a directory
(the app passes ``instance/search-index``). Scoring is BM25 with Lucene's constants and
norm encoding, so the same clauses score the same as on Elasticsearch; facets use
tantivy's ES-style ``terms`` aggregations over fast fields.

Layout and concurrency
----------------------
::

    <directory>/CURRENT          name of the live version directory (one line)
    <directory>/.lock            held (flock) while a rebuild switches versions
    <directory>/idx-<UTC>-<hex>/ one tantivy index per version

* **Readers** (every gunicorn worker) open the version CURRENT names. Before each
  search they compare CURRENT's and the index's ``meta.json`` file identity with what
  they opened, reopening or reloading only when one changed (two ``stat`` calls), so a
  commit or a switch made by another process is seen on the next query.
* **One writer at a time.** tantivy holds an exclusive lock file per index while an
  ``IndexWriter`` lives, across processes too. A write here takes the writer for one
  batch only, retries for up to ``lock_timeout`` seconds while another process holds it,
  then raises :class:`EngineUnavailable` (the outbox row stays and is retried).
* **Versions order writes and removals.** Holding the writer, a batch reloads the index
  (another process may have committed while it waited) and compares each id's indexed
  version: a document older than the indexed one is skipped, and so is a removal decided at
  an older version, as Elasticsearch's ``external_gte`` does. No tombstone is kept: a stale
  write landing after a removal is caught by the indexer, which checks after every write that
  the row has not changed since it decided (search.outbox).
* **Rebuild** writes a new version directory nobody reads yet, verifies its schema
  (``meta.json``) and document count, writes the changes made meanwhile (``catch_up``), then
  replaces CURRENT atomically (write a temporary file, fsync, ``os.replace``). The previous
  version is kept for a switch back; older ones are deleted (a reader still holding one keeps
  its open files on POSIX).
* **A full disk** fails a write: at the commit, or earlier when tantivy's writer thread could
  not create a segment's files (tantivy reports either as ``ValueError``). The writer is rolled
  back and :class:`EngineUnavailable` raised, so the outbox keeps the rows and retries them with
  backoff while readers go on reading the last commit; once space is back the next write
  takes everything.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import multiprocessing
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from search.documents import FIELDS, FieldType, SearchDocument, tie_order, to_index_body
from search.engines.base import BulkResult, CatchUp, EngineHealth, ItemError, ReindexReport, Removal
from search.engines.rebuilding import Rebuilding
from search.errors import EngineUnavailable, InvalidDocument, SearchError
from search.filters import FILTERS
from search.highlight import Highlighter
from search.query import (
    FACET_SIZE,
    HIT_FIELDS,
    Hit,
    SearchRequest,
    SearchResult,
    Suggestion,
    facet_counts,
    plan_query,
    suggest_in_tiers,
    tantivy_filtered,
    tantivy_match_query,
    tantivy_text_query,
)
from search.synonyms import SynonymTable

TOKENIZER = "qingdan_tokens"  # whitespace only: analysis happened in search.analysis
POINTER = "CURRENT"
_VERSION_DIR = re.compile(r"idx-\d{20}-[0-9a-f]{6}")
_STORED = set(HIT_FIELDS) | {"version"}
_WRITE_BATCH = 500
_MATCHES = "_matches"  # the aggregation that counts a search's matches (no facet has this name)
_Item = TypeVar("_Item")  # a document or a removal, batched alike
# query texts whose tantivy queries and highlighter a process keeps: about 11 KB each with a
# page of marked names (1,024 of them grew a process by 11 MB)
_COMPILED_QUERIES = 256
_MAX_TIED = 50  # items past a page read to order its ties: more than a district has townships


def _field_options(name: str, kind: FieldType) -> dict[str, Any]:
    """How each field is declared; also what a rebuilt index's meta.json must say."""
    stored = name in _STORED
    if kind is FieldType.TOKENS:
        return {"type": "text", "tokenizer": TOKENIZER, "stored": False, "fast": False}
    if kind in (FieldType.KEYWORD, FieldType.KEYS, FieldType.SORT_KEY, FieldType.STORED):
        # facets and sorting read columns (fast fields); matching keys needs only terms
        fast = kind in (FieldType.KEYWORD, FieldType.SORT_KEY)
        stored = stored or kind is FieldType.STORED
        return {"type": "text", "tokenizer": "raw", "stored": stored, "fast": fast}
    type_name = {FieldType.BOOL: "bool", FieldType.INT: "i64", FieldType.DATE: "date"}[kind]
    return {"type": type_name, "stored": stored, "fast": True}


def build_schema() -> tantivy.Schema:
    """The tantivy schema, derived from search.documents.FIELDS."""
    builder = tantivy.SchemaBuilder()
    for name, spec in FIELDS.items():
        options = _field_options(name, spec.type)
        if options["type"] == "text":
            builder.add_text_field(
                name,
                stored=options["stored"],
                fast=options["fast"],
                tokenizer_name=options["tokenizer"],
                # tokens need frequencies for BM25; exact values need nothing but presence
                index_option="freq" if spec.type is FieldType.TOKENS else "basic",
            )
        elif options["type"] == "bool":
            builder.add_boolean_field(name, stored=options["stored"], indexed=True, fast=True)
        elif options["type"] == "i64":
            builder.add_integer_field(name, stored=options["stored"], indexed=True, fast=True)
        else:
            builder.add_date_field(name, stored=options["stored"], indexed=True, fast=True)
    return builder.build()


def _schema_problems(index_dir: Path) -> list[str]:
    """Differences between an index's on-disk schema (meta.json) and the application's."""
    on_disk = {
        field["name"]: field
        for field in json.loads((index_dir / "meta.json").read_text())["schema"]
    }
    problems = []
    for name, spec in FIELDS.items():
        expected, actual = _field_options(name, spec.type), on_disk.pop(name, None)
        if actual is None:
            problems.append(f"field {name} is missing")
            continue
        options = actual["options"]
        found = {
            "type": actual["type"],
            "stored": options.get("stored"),
            "fast": bool(options.get("fast")),
        }
        if actual["type"] == "text":
            found["tokenizer"] = options.get("indexing", {}).get("tokenizer")
        if found != expected:
            problems.append(f"field {name} is {found}, expected {expected}")
    problems.extend(f"unexpected field {name}" for name in on_disk)
    return problems


def _analysed(doc: SearchDocument) -> tuple[str, str | None, str | None]:
    """(id, tantivy JSON record, error): one document analysed, in a pool worker."""
    try:
        return doc.id, _tantivy_json(to_index_body(doc)), None
    except (InvalidDocument, ValueError) as exc:
        return doc.id, None, str(exc)


@contextmanager
def _analysis_pool() -> Iterator[
    Callable[[Iterable[SearchDocument]], Iterator[tuple[str, str | None, str | None]]]
]:
    """Analysis is most of a rebuild: run it in worker processes while this process writes.

    The workers come from a fork server, not from a fork of this process: a plain fork copies
    the open descriptors of tantivy's lock files, and a lock held by one of tantivy's threads
    at that moment stays held by the child, so this process's next commit waits for it forever
    (seen as a hung reindex). The fork server starts clean and preloads the analysis module, so
    its workers start without re-reading the dictionaries. They only analyse, never touch the
    index or a database. One CPU: no pool.
    """
    workers = os.cpu_count() or 1
    if workers == 1:
        yield lambda docs: map(_analysed, docs)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with context.Pool(workers) as pool:
        yield lambda docs: pool.imap(_analysed, docs, chunksize=256)


def _tantivy_json(body: dict[str, Any]) -> str:
    """The index record as tantivy's JSON document.

    One ``add_json`` call parses the record in Rust; building a ``tantivy.Document``
    field by field costs about twice as much, most of a rebuild's time after analysis.
    """
    return json.dumps(body, ensure_ascii=False)


@dataclass(frozen=True)
class _Compiled:
    """What a query text becomes, the same for every search of it: the scored query, the
    unscored one the facets count with, and its highlighter."""

    scored: tantivy.Query
    matching: tantivy.Query
    highlighter: Highlighter | None


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _newer_indexed(known: dict[str, int | None], doc_id: str, version: int | None) -> bool:
    """Whether the index holds a later version of ``doc_id`` than ``version`` (as Elasticsearch's
    external_gte: an equal version rewrites; a removal of no version is never stale)."""
    indexed = known.get(doc_id)
    return indexed is not None and version is not None and indexed > version


def _page_with_ties_ordered(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    offset: int,
    per_page: int,
    count: bool,
    options: dict[str, Any],
) -> tuple[list[tuple[Any, tantivy.Document]], int]:
    """One page of (score or sort value, stored document), items with equal values in
    :func:`search.documents.tie_order` as Elasticsearch sorts them; and the number of matches
    when ``count``.

    tantivy leaves ties in the order of the index's segments, which a rebuild or a merge
    changes. The search reads :data:`_MAX_TIED` items past the page, so every tie that touches
    the page and is no longer than that is read whole and put in order; a longer one (one bulk
    import's update time, under ``updated``) keeps the index's order, on every page alike.
    """
    end = offset + per_page
    found = searcher.search(query, limit=end + _MAX_TIED, count=count, **options)
    page: list[tuple[Any, tantivy.Document]] = []
    start = 0
    for value, run in itertools.groupby(found.hits, key=lambda hit: hit[0]):
        addresses = [address for _, address in run]
        stop = start + len(addresses)
        if stop > offset:
            window = slice(max(0, offset - start), end - start)
            if 1 < len(addresses) <= _MAX_TIED:  # then the whole run was read
                documents = sorted(map(searcher.doc, addresses), key=_tie_order)[window]
            else:
                documents = [searcher.doc(address) for address in addresses[window]]
            page.extend((value, document) for document in documents)
        if stop >= end:
            break
        start = stop
    return page, (found.count or 0) if count else 0  # type: ignore[attr-defined]  # tantivy's stub omits count


def _tie_order(document: tantivy.Document) -> tuple[int, str]:
    return tie_order(document["name"][0], document["id"][0])


class EmbeddedEngine(Rebuilding[Path]):
    """Search engine on a tantivy index in a local directory."""

    name = "embedded"

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        lock_timeout: float = 10.0,
        writer_heap: int = 64_000_000,
    ) -> None:
        self.directory = Path(directory)
        self._lock_timeout = lock_timeout
        self._writer_heap = writer_heap
        self._schema = build_schema()
        self._analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        self._index: tantivy.Index | None = None
        self._version_dir: Path | None = None
        self._pointer_seen: tuple[int, int] | None = None
        self._meta_seen: tuple[int, int] | None = None
        # Queries repeat: planning a text and building its tantivy queries (a hundred term
        # clauses for a query with synonyms) cost up to 0.4 ms of a search's CPU. A plan depends only
        # on the text and the synonym table (compared by identity, as analyze_query's cache
        # does: changed rules make a new table), so they are kept per pair, in a bounded LRU.
        self._compiled = lru_cache(maxsize=_COMPILED_QUERIES)(self._compile)

    # -- opening and versions -------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.directory / POINTER

    def live_index(self) -> str | None:
        """Name of the live version directory, or None before the first one."""
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def _open(self, path: Path) -> tantivy.Index:
        index = tantivy.Index(self._schema, path=str(path), reuse=True)
        index.register_tokenizer(TOKENIZER, self._analyzer)
        return index

    def _current(self) -> tantivy.Index:
        """The live index, reopened or reloaded if another process changed it."""
        pointer = _file_identity(self._pointer)
        if pointer is None:
            raise EngineUnavailable(f"no search index in {self.directory}: run a reindex")
        if self._index is None or pointer != self._pointer_seen:
            name = self.live_index()
            path = self.directory / (name or "")
            if not name or not (path / "meta.json").exists():
                raise EngineUnavailable(f"{self._pointer} names no index: run a reindex")
            problems = _schema_problems(path)
            if problems:
                raise EngineUnavailable(f"index {name} has another schema ({problems[0]}): reindex")
            self._index, self._version_dir = self._open(path), path
            self._pointer_seen, self._meta_seen = pointer, _file_identity(path / "meta.json")
        assert self._version_dir is not None
        meta = _file_identity(self._version_dir / "meta.json")
        if meta != self._meta_seen:
            self._index.reload()
            self._meta_seen = meta
        return self._index

    def generation(self) -> tuple[str, tuple[int, int] | None]:
        """The index commit the next search sees: its version directory and meta.json's
        identity, which every commit (this process's or another's) replaces. Read after the
        reload, so a search is never older than the generation named before it."""
        try:
            self._current()
        except OSError as exc:
            raise EngineUnavailable(f"cannot read the search index: {exc}") from exc
        return str(self._version_dir), self._meta_seen

    def _searcher(self) -> tantivy.Searcher:
        try:
            return self._current().searcher()
        except OSError as exc:
            raise EngineUnavailable(f"cannot read the search index: {exc}") from exc

    @contextmanager
    def _directory_lock(self) -> Iterator[None]:
        """Serialise version switches between processes (a second rebuild waits)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _new_version(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        path = self.directory / f"idx-{stamp}-{secrets.token_hex(3)}"
        path.mkdir(parents=True)
        return path

    def _point_to(self, path: Path) -> None:
        """Make ``path`` the live version: atomic for every reader."""
        temporary = self.directory / f".{POINTER}.{secrets.token_hex(4)}"
        with open(temporary, "w") as handle:
            handle.write(path.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self._pointer)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def ensure_index(self) -> None:
        with self._directory_lock():
            live = self.live_index()
            if live and (self.directory / live / "meta.json").exists():
                return
            path = self._new_version()
            with self._writer(self._open(path), heap=15_000_000) as writer:
                writer.commit()  # an empty but valid index
            self._point_to(path)

    # -- writes ---------------------------------------------------------------------------

    @contextmanager
    def _writer(
        self, index: tantivy.Index, heap: int | None = None, threads: int = 1
    ) -> Iterator[tantivy.IndexWriter]:
        """tantivy's writer for one batch, waiting while another holds it.

        tantivy's lock file excludes a second writer in this process as well as in
        others, so threads of one process need no lock of their own.
        """
        deadline = time.monotonic() + self._lock_timeout
        while True:
            try:
                writer = index.writer(heap or self._writer_heap, threads)
                break
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise _unwritable(exc) from exc
                if time.monotonic() > deadline:
                    waited = f"{self._lock_timeout:.0f} s"
                    raise EngineUnavailable(
                        f"the search index is locked by another writer for {waited}"
                    ) from exc
                time.sleep(0.05)
        try:
            yield writer
        except BaseException as exc:
            writer.rollback()
            if isinstance(exc, ValueError) and not isinstance(exc, SearchError):
                raise _unwritable(exc) from exc
            raise
        finally:
            # consumes the writer: merges finish and the lock file is released now,
            # not whenever the garbage collector gets to it
            writer.wait_merging_threads()

    def _indexed_versions(self, searcher: tantivy.Searcher, ids: list[str]) -> dict[str, int]:
        query = tantivy.Query.term_set_query(self._schema, "id", ids)
        hits = searcher.search(query, limit=max(len(ids), 1), count=False).hits
        found = {}
        for _, address in hits:
            stored = searcher.doc(address)
            found[stored["id"][0]] = stored["version"][0]
        return found

    def index(self, docs: Iterable[SearchDocument]) -> BulkResult:
        index = self._current()
        result = self._apply(index, docs, ())
        self._refresh(index)
        return result

    def delete(self, removals: Iterable[Removal]) -> BulkResult:
        index = self._current()
        result = self._apply(index, (), removals)
        self._refresh(index)
        return result

    def _apply(
        self, index: tantivy.Index, docs: Iterable[SearchDocument], removals: Iterable[Removal]
    ) -> BulkResult:
        """Write and remove documents in one commit, each only over an older indexed version.

        Versions are compared with what is committed once this writer holds tantivy's lock:
        no other process can commit between that read and this commit.
        """
        result = BulkResult()
        with self._writer(index) as writer:
            index.reload()  # commits made by others while this waited for the lock
            searcher = index.searcher()
            known: dict[str, int | None] = {}
            changes: Iterator[SearchDocument | Removal] = itertools.chain(docs, removals)
            for batch in _batches(changes, _WRITE_BATCH):
                unknown = [change.id for change in batch if change.id not in known]
                known.update(self._indexed_versions(searcher, unknown))
                for change in batch:
                    self._change(writer, change, known, result)
            writer.commit()
        return result

    @staticmethod
    def _change(
        writer: tantivy.IndexWriter,
        change: SearchDocument | Removal,
        known: dict[str, int | None],
        result: BulkResult,
    ) -> None:
        """Write a document, or remove one, unless the index holds a later version of it."""
        if _newer_indexed(known, change.id, change.version):
            result.stale += 1  # the row changed again after this change was decided
            return
        if isinstance(change, Removal):
            writer.delete_documents_by_term("id", change.id)
            known[change.id] = None
        else:
            try:
                record = _tantivy_json(to_index_body(change))
            except (InvalidDocument, ValueError) as exc:
                result.errors.append(ItemError(change.id, str(exc)))
                return
            writer.delete_documents_by_term("id", change.id)
            writer.add_json(record)
            known[change.id] = change.version
        result.indexed += 1

    def _refresh(self, index: tantivy.Index) -> None:
        """Make this process see its own commit now (others see it on their next query)."""
        index.reload()
        if self._version_dir is not None:
            self._meta_seen = _file_identity(self._version_dir / "meta.json")

    # -- reads ----------------------------------------------------------------------------

    def _compile(self, text: str, synonyms: SynonymTable | None) -> _Compiled:
        plan = plan_query(SearchRequest(text=text, synonyms=synonyms))
        return _Compiled(
            tantivy_text_query(plan, self._schema),
            tantivy_match_query(plan, self._schema),
            Highlighter(plan.analyzed) if plan.analyzed else None,
        )

    def search(self, request: SearchRequest) -> SearchResult:
        compiled = self._compiled(request.text, request.synonyms)
        searcher = self._searcher()
        query = tantivy_filtered(compiled.scored, request.filters, self._schema)
        sort = request.effective_sort
        options: dict[str, Any] = {}
        if sort == "name":
            options = {"order_by_field": "name_sort", "order": tantivy.Order.Asc}
        elif sort == "updated":
            options = {"order_by_field": "updated_at", "order": tantivy.Order.Desc}
        elif sort == "short":
            options = {"order_by_field": "suggest_order", "order": tantivy.Order.Asc}
        facets, total = self._facets(searcher, request, compiled.matching)
        # Counting every match stops tantivy from skipping the blocks that cannot reach the
        # top hits; when the facets' run already counted them, the search need not.
        page, count = _page_with_ties_ordered(
            searcher, query, request.offset, request.per_page, total is None, options
        )
        mark = compiled.highlighter if request.highlight else None
        hits = []
        for key, stored in page:
            name = stored["name"][0]
            hits.append(
                Hit(
                    id=stored["id"][0],
                    name=name,
                    department=(stored.get_first("department") or ""),
                    kind=stored["kind"][0],
                    score=None if options else float(key),
                    highlight=mark(name) if mark else None,
                    lists=tuple(stored.get_all("lists")),
                    twins=tuple(stored.get_all("twins")),
                )
            )
        return SearchResult(
            total=count if total is None else total,
            hits=hits,
            facets=facets,
            page=request.page,
            per_page=request.per_page,
        )

    def _facets(
        self, searcher: tantivy.Searcher, request: SearchRequest, match_query: tantivy.Query
    ) -> tuple[dict[str, list[tuple[str | bool, int]]], int | None]:
        """Each facet counted under every filter but its own (as ES's filtered aggs), and the
        number of matches when a run had every filter (None when none had).

        Facets whose own filter is not set share one aggregation run; each facet with a
        filter set needs a run of its own.
        """
        runs: dict[tuple[str, ...], list[str]] = {}
        for facet in request.facets:
            dropped: tuple[str, ...] = (facet,) if facet in request.filters else ()
            runs.setdefault(dropped, []).append(facet)
        facets: dict[str, list[tuple[str | bool, int]]] = {}
        total = None
        for dropped, names in runs.items():
            filters = {k: v for k, v in request.filters.items() if k not in dropped}
            query = tantivy_filtered(match_query, filters, self._schema)
            aggregations = {name: FILTERS[name].aggregation(FACET_SIZE) for name in names}
            if not dropped:  # every document has a version: its count is the number of matches
                aggregations[_MATCHES] = {"value_count": {"field": "version"}}
            result = searcher.aggregate(query, aggregations)
            for name in names:
                facets[name] = facet_counts(name, result[name]["buckets"])
            if not dropped:
                total = int(result[_MATCHES]["value"])
        return {facet: facets[facet] for facet in request.facets}, total

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        return suggest_in_tiers(self._suggest_tier, prefix, limit)

    def _suggest_tier(self, key: str, inner: bool, size: int) -> list[dict[str, Any]]:
        searcher = self._searcher()
        query, occur = tantivy.Query, tantivy.Occur
        pattern = re.escape(key) + ".*"  # a regex over the term dictionary: prefix match
        whole = query.regex_query(self._schema, "name_keys", pattern)
        if inner:
            inner_match = query.regex_query(self._schema, "name_infix_keys", pattern)
            whole = query.boolean_query([(occur.Must, inner_match), (occur.MustNot, whole)])
        found = searcher.search(
            whole, limit=size, count=False, order_by_field="suggest_order", order=tantivy.Order.Asc
        )
        sources = []
        for _, address in found.hits:
            stored = searcher.doc(address)
            sources.append({f: stored.get_first(f) or "" for f in HIT_FIELDS})
        return sources

    def count(self) -> int:
        return int(self._searcher().num_docs)

    def fetch_versions(self) -> dict[str, int]:
        searcher = self._searcher()
        everything = searcher.search(
            tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False
        )
        versions = {}
        for _, address in everything.hits:
            stored = searcher.doc(address)
            versions[stored["id"][0]] = int(stored["version"][0])
        return versions

    def health(self) -> EngineHealth:
        try:
            count = self.count()
        except (EngineUnavailable, OSError, ValueError) as exc:
            # Health is served to anyone (/api/v1/health): name files relative to the index folder.
            reason = str(exc).replace(str(self.directory), "<index folder>")
            return EngineHealth(self.name, False, self.live_index(), None, reason)
        return EngineHealth(self.name, True, self.live_index(), count, "index readable")

    # -- rebuild --------------------------------------------------------------------------

    def reindex(
        self, docs: Iterable[SearchDocument], expected_count: int, catch_up: CatchUp | None = None
    ) -> ReindexReport:
        started = time.monotonic()
        path = self._new_version()
        report = ReindexReport(path.name, self.live_index(), expected_count)
        self._build_and_switch(path, docs, catch_up, report)
        report.seconds = time.monotonic() - started
        return report

    def _drop_quietly(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)

    def _switch(self, path: Path, report: ReindexReport) -> None:
        with self._directory_lock():
            report.previous_index = self.live_index()
            self._point_to(path)
            report.switched = True
            report.deleted_indices = self._delete_old_versions(report.previous_index)

    def _fill(self, path: Path, docs: Iterable[SearchDocument], report: ReindexReport) -> None:
        index = self._open(path)
        # two tantivy threads index while the analysis workers prepare the next documents
        with (
            _analysis_pool() as analyse,
            self._writer(index, heap=256_000_000, threads=2) as writer,
        ):
            for doc_id, record, error in analyse(docs):
                if error is not None:
                    report.errors.append(ItemError(doc_id, error))
                    continue
                assert record is not None  # _analysed gives a record exactly when it gives no error
                writer.add_json(record)
                report.indexed += 1
            writer.commit()
        if report.errors:
            report.problems.append(f"{len(report.errors)} documents failed")

    def _verify(self, path: Path, report: ReindexReport) -> None:
        """Read the new index back as a reader would: its schema, then its count."""
        problems = _schema_problems(path)
        report.mapping_ok = not problems
        report.problems.extend(problems)
        report.count = int(self._open(path).searcher().num_docs)
        if report.count != report.expected_count:
            report.problems.append(
                f"the new index holds {report.count} documents, expected {report.expected_count}"
            )

    def _catch_up(self, path: Path, catch_up: CatchUp, report: ReindexReport) -> None:
        """Write the changes made while the new index was filled, just before the switch."""
        docs, removals = catch_up()
        result = self._apply(self._open(path), docs, removals)
        report.caught_up = result.indexed
        report.errors.extend(result.errors)
        if result.errors:
            report.problems.append(f"{len(result.errors)} documents failed to catch up")

    def _delete_old_versions(self, previous: str | None) -> list[str]:
        """Delete versions older than the previous live one (newer ones may be in progress)."""
        if previous is None:
            return []
        deleted = []
        for path in sorted(self.directory.iterdir()):
            if _VERSION_DIR.fullmatch(path.name) and path.name < previous:
                shutil.rmtree(path, ignore_errors=True)
                deleted.append(path.name)
        return deleted


def _unwritable(error: ValueError) -> EngineUnavailable:
    """tantivy raises ValueError for its own failures: its storage refusing a write (a full disk,
    EFBIG, EIO), or a writer thread killed by one. The index stays as last committed."""
    return EngineUnavailable(f"cannot write the search index: {error}")


def _batches(docs: Iterable[_Item], size: int) -> Iterator[list[_Item]]:
    batch: list[_Item] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
