"""The Elasticsearch engine: production and scale, through the official client 7.13.

Only REST features that Elasticsearch 7.x, 8.x and OpenSearch share are used: explicit
mappings, aliases, ``_bulk`` (through ``elasticsearch.helpers``), ``_search`` with bool
queries, aggregations and ``_count``, and scroll for verify. No plugin: Chinese analysis
happened in Python already (search/analysis.py) and every text field holds
whitespace-separated tokens under the built-in ``whitespace`` analyzer.

Indices are versioned, ``<prefix>-<UTC timestamp>-<random>``, behind one alias named
``<prefix>`` that all reads and writes use (GOV.UK's ``index_group``, PyPI's and
data.gov's rebuilds). One shard: the catalog of a district is small, and one shard keeps
BM25 statistics exact, so scores equal the embedded engine's.

Suggestions use ``prefix`` queries on keyword fields of keys (normalised name, full
pinyin, initials), not the ``completion`` suggester: the same queries then run on the
embedded engine, sort and de-duplicate the same way (search.query.suggest_in_tiers), and
honour deletes at once (completion's FST keeps deleted documents until segments merge).
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, Urllib3HttpConnection, helpers
from elasticsearch.exceptions import ConnectionError as ESConnectionError
from elasticsearch.exceptions import NotFoundError, SSLError, TransportError

from search.documents import FIELDS, FieldType, SearchDocument, to_index_body
from search.engines.base import BulkResult, CatchUp, EngineHealth, ItemError, ReindexReport, Removal
from search.engines.rebuilding import Rebuilding
from search.errors import EngineUnavailable, InvalidDocument, SearchError
from search.highlight import Highlighter
from search.query import (
    HIT_FIELDS,
    Hit,
    SearchRequest,
    SearchResult,
    Suggestion,
    es_search_body,
    facet_buckets,
    facet_counts,
    plan_query,
    suggest_in_tiers,
)
from search.tracing import current_request_id

_UNAVAILABLE_STATUS = {429, 502, 503, 504}
_BULK_CHUNK = 500
_MERGE_TIMEOUT = 1800  # seconds: one segment of a large catalog, on a busy cluster

_ES_TYPES: dict[FieldType, dict[str, Any]] = {
    FieldType.TOKENS: {"type": "text", "analyzer": "whitespace", "index_options": "freqs"},
    FieldType.KEYWORD: {"type": "keyword"},
    FieldType.KEYS: {"type": "keyword"},
    FieldType.SORT_KEY: {"type": "keyword", "index": False},
    FieldType.STORED: {"type": "keyword", "index": False, "doc_values": False},
    FieldType.BOOL: {"type": "boolean"},
    FieldType.INT: {"type": "long"},
    FieldType.DATE: {"type": "date"},
}


def index_mapping() -> dict[str, Any]:
    """The explicit mapping, derived from search.documents.FIELDS."""
    return {
        "dynamic": "strict",
        # token streams are only searched: keeping them out of _source halves the index
        "_source": {"excludes": [n for n, s in FIELDS.items() if s.type is FieldType.TOKENS]},
        "properties": {name: dict(_ES_TYPES[spec.type]) for name, spec in FIELDS.items()},
    }


def _matches(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds everything ``expected`` says (ES may add defaults)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            _matches(actual.get(key), value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and sorted(map(str, actual)) == sorted(map(str, expected))
    return str(actual).lower() == str(expected).lower()


@dataclass(frozen=True)
class ClientSettings:
    """How the client reaches a cluster, as plain values (the caller reads its own settings).

    ``hosts`` lists several nodes so a request that fails on one is retried on the next
    (``max_retries``; a timeout too when ``retry_on_timeout``). Sniffing, which replaces that
    list with the addresses the nodes publish, is off by default: behind a proxy or a TLS
    terminator those addresses bypass it.
    """

    hosts: tuple[str, ...]
    ca_certs: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None  # "id:key", or the base64 of it that Elasticsearch prints
    timeout: float = 10.0
    max_retries: int = 2
    retry_on_timeout: bool = True
    sniff: bool = False

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> ClientSettings:
        """From ELASTICSEARCH_* keys; ``ELASTICSEARCH_URL`` may name several nodes, comma-separated."""
        return cls(
            hosts=tuple(
                u.strip() for u in str(settings["ELASTICSEARCH_URL"]).split(",") if u.strip()
            ),
            ca_certs=settings.get("ELASTICSEARCH_CA_CERTS") or None,
            username=settings.get("ELASTICSEARCH_USERNAME") or None,
            password=settings.get("ELASTICSEARCH_PASSWORD") or None,
            api_key=settings.get("ELASTICSEARCH_API_KEY") or None,
            timeout=float(settings.get("ELASTICSEARCH_TIMEOUT", 10.0)),
            max_retries=int(settings.get("ELASTICSEARCH_MAX_RETRIES", 2)),
            retry_on_timeout=bool(settings.get("ELASTICSEARCH_RETRY_ON_TIMEOUT", True)),
            sniff=bool(settings.get("ELASTICSEARCH_SNIFF", False)),
        )


class _TracedConnection(Urllib3HttpConnection):
    """Sends the current request id as ``X-Opaque-Id`` on every call, bulk helpers included:
    Elasticsearch shows it in its slow logs, tasks and deprecation logs, next to the app's."""

    def perform_request(  # type: ignore[no-untyped-def]
        self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None
    ):
        request_id = current_request_id.get()
        if request_id:
            headers = {**(headers or {}), "x-opaque-id": request_id}
        return super().perform_request(method, url, params, body, timeout, ignore, headers)


def connect(settings: ClientSettings) -> Elasticsearch:
    """A client for the cluster: CA file, basic auth or API key, timeouts and retries."""
    options: dict[str, Any] = {
        "connection_class": _TracedConnection,
        "timeout": settings.timeout,
        "max_retries": settings.max_retries,
        "retry_on_timeout": settings.retry_on_timeout,
    }
    if settings.ca_certs:
        options.update(ca_certs=settings.ca_certs, verify_certs=True)
    if settings.username:
        options["http_auth"] = (settings.username, settings.password or "")
    if settings.api_key:
        key_id, colon, key = settings.api_key.partition(":")
        options["api_key"] = (key_id, key) if colon else settings.api_key
    if settings.sniff:
        options.update(sniff_on_start=True, sniff_on_connection_fail=True, sniffer_timeout=60)
    return Elasticsearch(list(settings.hosts), **options)


def _describe(exc: Exception, what: str) -> str:
    """What went wrong, in words an operator can act on."""
    if isinstance(exc, SSLError):
        return (
            f"TLS verification of Elasticsearch failed during {what} "
            f"(check ELASTICSEARCH_CA_CERTS and the node's certificate): {exc}"
        )
    if isinstance(exc, ESConnectionError):  # includes timeouts
        return f"Elasticsearch unreachable during {what}: {exc}"
    if isinstance(exc, NotFoundError):
        return f"Elasticsearch has no live index ({what}): {exc}"
    if isinstance(exc, TransportError) and exc.status_code in (401, 403):
        return (
            f"Elasticsearch refused the credentials ({exc.status_code}) during {what} "
            f"(check ELASTICSEARCH_USERNAME/_PASSWORD or ELASTICSEARCH_API_KEY, and its privileges)"
        )
    return f"Elasticsearch busy during {what}: {exc}"


def _unavailable(exc: Exception) -> bool:
    """Whether an error means the cluster cannot serve now (rather than a bug in the request)."""
    if isinstance(exc, (ESConnectionError, NotFoundError)):
        return True
    return isinstance(exc, TransportError) and exc.status_code in _UNAVAILABLE_STATUS | {401, 403}


@contextmanager
def _engine_errors(what: str) -> Iterator[None]:
    """Turn "cannot reach, refused or overloaded" errors into EngineUnavailable; let bugs through."""
    try:
        yield
    except TransportError as exc:  # ConnectionError and NotFoundError are TransportErrors
        if _unavailable(exc):
            raise EngineUnavailable(_describe(exc, what)) from exc
        raise


class ElasticsearchEngine(Rebuilding[str]):
    """Search engine on an Elasticsearch 7.x/8.x or OpenSearch cluster."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch | str,
        *,
        prefix: str = "qingdan-items",
        replicas: int = 0,
        timeout: float = 10.0,
    ) -> None:
        """``client`` is a client (see :func:`connect`) or a URL; ``prefix`` names the alias and its indices."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", prefix):
            raise ValueError(f"index prefix must be lower-case letters, digits, - or _: {prefix!r}")
        self._client = (
            client
            if isinstance(client, Elasticsearch)
            else Elasticsearch([client], timeout=timeout, max_retries=1)
        )
        self.alias = prefix
        self._replicas = replicas
        self._physical = re.compile(rf"{re.escape(prefix)}-\d{{20}}-[0-9a-f]{{6}}")
        self._alias_seen = False

    # -- indices and the alias ------------------------------------------------------------

    def _new_index_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-{stamp}-{secrets.token_hex(3)}"

    def _create_index(self, name: str, *, bulk_load: bool) -> None:
        settings: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": self._replicas}
        if bulk_load:
            # a rebuild writes faster with no replica to copy to and no periodic refresh
            settings.update(number_of_replicas=0, refresh_interval="-1")
        self._client.indices.create(
            index=name, body={"settings": {"index": settings}, "mappings": index_mapping()}
        )

    def _aliased_indices(self) -> list[str]:
        try:
            return sorted(self._client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def live_index(self) -> str | None:
        """The physical index the alias points to, or None before the first one."""
        indices = self._aliased_indices()
        return indices[-1] if indices else None

    def ensure_index(self) -> None:
        with _engine_errors("ensure_index"):
            if self._aliased_indices():
                return
            if self._client.indices.exists(index=self.alias):
                # GOV.UK's safety rail: never hide a concrete index behind a new alias
                raise SearchError(
                    f"{self.alias} is a concrete index, not an alias: migrate it first"
                )
            name = self._new_index_name()
            self._create_index(name, bulk_load=False)
            self._client.indices.update_aliases(
                body={"actions": [{"add": {"index": name, "alias": self.alias}}]}
            )

    # -- writes ---------------------------------------------------------------------------

    def _index_actions(
        self, docs: Iterable[SearchDocument], index: str, errors: list[ItemError]
    ) -> Iterator[dict[str, Any]]:
        for doc in docs:
            try:
                body = to_index_body(doc)
            except (InvalidDocument, ValueError) as exc:
                errors.append(ItemError(doc.id, str(exc)))
                continue
            yield {
                "_op_type": "index",
                "_index": index,
                "_id": doc.id,
                # the row version orders writes: a stale one gets 409 and is skipped
                # (GOV.UK's payload_version); _gte lets a rebuild rewrite the same version
                "version": doc.version,
                "version_type": "external_gte",
                "_source": body,
            }

    @staticmethod
    def _removal_actions(removals: Iterable[Removal], index: str) -> Iterator[dict[str, Any]]:
        for removal in removals:
            action: dict[str, Any] = {"_op_type": "delete", "_index": index, "_id": removal.id}
            if removal.version is not None:
                # ordered like writes: a removal decided before the row changed again gets
                # 409 and leaves the newer document (the tombstone also refuses an older
                # write for index.gc_deletes, 60 s by default)
                action.update(version=removal.version, version_type="external_gte")
            yield action

    def _require_alias(self) -> None:
        """Refuse to write before ensure_index or a rebuild made the alias.

        Writing to a missing alias would make Elasticsearch auto-create a concrete index
        of that name with a guessed mapping, which then blocks the alias for good.
        """
        if self._alias_seen:
            return
        if not self._aliased_indices():
            raise EngineUnavailable(f"no index behind alias {self.alias}: run a reindex")
        self._alias_seen = True  # the alias only ever moves, atomically: check once

    def _bulk(self, actions: Iterable[dict[str, Any]], result: BulkResult) -> None:
        """Send actions in chunks and count each outcome into ``result``."""
        for ok, item in helpers.streaming_bulk(
            self._client,
            actions,
            chunk_size=_BULK_CHUNK,
            max_chunk_bytes=10 * 2**20,
            raise_on_error=False,
            max_retries=3,  # 429 from a busy cluster: back off and retry
            initial_backoff=1,
        ):
            operation, outcome = next(iter(item.items()))
            status = outcome.get("status")
            if ok or (operation == "delete" and status == 404):  # already gone is fine
                result.indexed += 1
            elif status == 409:
                result.stale += 1
            else:
                result.errors.append(ItemError(outcome.get("_id", "?"), _reason(outcome)))

    def index(self, docs: Iterable[SearchDocument]) -> BulkResult:
        result = BulkResult()
        with _engine_errors("index"):
            self._require_alias()
            self._bulk(self._index_actions(docs, self.alias, result.errors), result)
            self._client.indices.refresh(index=self.alias)
        return result

    def delete(self, removals: Iterable[Removal]) -> BulkResult:
        result = BulkResult()
        with _engine_errors("delete"):
            self._require_alias()
            self._bulk(self._removal_actions(removals, self.alias), result)
            self._client.indices.refresh(index=self.alias)
        return result

    # -- reads ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        plan = plan_query(request)
        with _engine_errors("search"):
            # through the shard request cache, which a search with a page (size above 0) uses
            # only when asked: citizens repeat the same few queries, and a refresh empties it,
            # so it never answers from an older index
            response = self._client.search(
                index=self.alias, body=es_search_body(plan), request_cache=True
            )
        mark = Highlighter(plan.analyzed) if request.highlight and plan.analyzed else None
        hits = []
        for raw in response["hits"]["hits"]:
            source = raw["_source"]
            name = source["name"]
            hits.append(
                Hit(
                    id=source["id"],
                    name=name,
                    department=source.get("department", ""),
                    kind=source["kind"],
                    score=raw.get("_score"),
                    highlight=mark(name) if mark else None,
                    lists=tuple(source.get("lists", ())),
                    twins=tuple(source.get("twins", ())),
                )
            )
        aggregations = response.get("aggregations", {})
        facets = {
            facet: facet_counts(facet, facet_buckets(aggregations[facet]))
            for facet in request.facets
        }
        return SearchResult(
            total=response["hits"]["total"]["value"],
            hits=hits,
            facets=facets,
            page=request.page,
            per_page=request.per_page,
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        return suggest_in_tiers(self._suggest_tier, prefix, limit)

    def _suggest_tier(self, key: str, inner: bool, size: int) -> list[dict[str, Any]]:
        whole = {"prefix": {"name_keys": key}}
        query = (
            {"bool": {"filter": [{"prefix": {"name_infix_keys": key}}], "must_not": [whole]}}
            if inner
            else {"bool": {"filter": [whole]}}
        )
        body = {
            "size": size,
            "query": query,
            "sort": [{"suggest_order": "asc"}],
            "_source": list(HIT_FIELDS),
        }
        with _engine_errors("suggest"):
            response = self._client.search(index=self.alias, body=body)
        return [raw["_source"] for raw in response["hits"]["hits"]]

    def count(self) -> int:
        with _engine_errors("count"):
            return int(self._client.count(index=self.alias)["count"])

    def fetch_versions(self) -> dict[str, int]:
        with _engine_errors("fetch_versions"):
            return {
                hit["_id"]: int(hit["_source"].get("version", 0))
                for hit in helpers.scan(
                    self._client,
                    index=self.alias,
                    query={"query": {"match_all": {}}, "_source": ["version"]},
                    size=5000,
                )
            }

    def health(self) -> EngineHealth:
        try:
            status = self._client.cluster.health(request_timeout=5)["status"]
            live = self.live_index()
            count = self.count() if live else None
        except TransportError as exc:
            return EngineHealth(self.name, False, None, None, _describe(exc, "health"))
        except EngineUnavailable as exc:
            return EngineHealth(self.name, False, None, None, str(exc))
        ok = live is not None and status in ("green", "yellow")
        detail = f"cluster {status}" + ("" if live else f"; no index behind alias {self.alias}")
        return EngineHealth(self.name, ok, live, count, detail)

    # -- rebuild --------------------------------------------------------------------------

    def reindex(
        self, docs: Iterable[SearchDocument], expected_count: int, catch_up: CatchUp | None = None
    ) -> ReindexReport:
        started = time.monotonic()
        with _engine_errors("reindex"):
            previous = self.live_index()
            new = self._new_index_name()
            report = ReindexReport(new, previous, expected_count)
            self._create_index(new, bulk_load=True)
            self._build_and_switch(new, docs, catch_up, report)
        report.seconds = time.monotonic() - started
        return report

    def _drop_quietly(self, index: str) -> None:
        """Drop a half-built index; if the cluster is gone too, the original error matters."""
        with suppress(ESConnectionError, TransportError):
            self._client.indices.delete(index=index, ignore=[404])

    def _fill(self, index: str, docs: Iterable[SearchDocument], report: ReindexReport) -> None:
        # parallel_bulk: requests run in threads while this thread analyses the next chunk
        actions = self._index_actions(docs, index, report.errors)
        for ok, item in helpers.parallel_bulk(
            self._client, actions, thread_count=2, chunk_size=_BULK_CHUNK, raise_on_error=False
        ):
            if ok:
                report.indexed += 1
            else:
                outcome = item["index"]
                report.errors.append(ItemError(outcome.get("_id", "?"), _reason(outcome)))
        if report.errors:
            report.problems.append(f"{len(report.errors)} documents failed")
        self._merge(index)
        self._client.indices.put_settings(
            index=index,
            body={"index": {"number_of_replicas": self._replicas, "refresh_interval": None}},
        )
        self._client.indices.refresh(index=index)

    def _merge(self, index: str) -> None:
        """Merge the filled index to one segment before its replicas copy it.

        A search scores every segment's matches apart: at 100,000 items the 15 segments a
        rebuild leaves cost twice the `took` of one (bench/README.md). Elasticsearch warns
        against merging an index that is still written to, because a merged segment above
        5 GB is never merged again; a catalog's index is a few hundred MB, so later writes'
        small segments keep merging with it as usual. Lucene flushes the indexing buffer
        before it merges, so the documents not yet refreshed are merged too.
        """
        self._client.indices.forcemerge(
            index=index, max_num_segments=1, request_timeout=_MERGE_TIMEOUT
        )

    def _verify(self, index: str, report: ReindexReport) -> None:
        """data.gov's two checks before a switch: the mapping, and the document count."""
        actual = self._client.indices.get_mapping(index=index)[index]["mappings"]
        report.mapping_ok = _matches(actual, index_mapping())
        if not report.mapping_ok:
            report.problems.append("the new index's mapping differs from the application's")
        report.count = int(self._client.count(index=index)["count"])
        if report.count != report.expected_count:
            report.problems.append(
                f"the new index holds {report.count} documents, expected {report.expected_count}"
            )

    def _catch_up(self, index: str, catch_up: CatchUp, report: ReindexReport) -> None:
        """Write the changes made while the new index was filled, just before the switch."""
        docs, removals = catch_up()
        result = BulkResult()
        actions = self._index_actions(docs, index, result.errors)
        self._bulk(itertools.chain(actions, self._removal_actions(removals, index)), result)
        self._client.indices.refresh(index=index)
        report.caught_up = result.indexed
        report.errors.extend(result.errors)
        if result.errors:
            report.problems.append(f"{len(result.errors)} documents failed to catch up")

    def _switch(self, new: str, report: ReindexReport) -> None:
        """Move the alias in one update_aliases call, then drop indices older than the last."""
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.alias}} for old in self._aliased_indices()
        ]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self._client.indices.update_aliases(body={"actions": actions})
        report.switched = True
        # keep the previous index for a quick switch back; indices newer than it that are
        # not live may be another rebuild in progress: leave them alone
        if report.previous_index is None:
            return
        existing = self._client.indices.get_alias(index=f"{self.alias}-*")
        ours = sorted(name for name in existing if self._physical.fullmatch(name))
        for name in ours:
            if name < report.previous_index:
                self._client.indices.delete(index=name, ignore=[404])
                report.deleted_indices.append(name)


def _reason(outcome: dict[str, Any]) -> str:
    error = outcome.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or outcome.get("status"))
