"""Search documents: what the engines index for one catalog row, and the index schema.

A :class:`SearchDocument` is built from a plain mapping (the catalog's service layer
turns a row into one), never from an ORM object, so this package stays importable
without Flask or the database. :func:`to_index_body` turns it into the engine-neutral
record both engines store; :data:`FIELDS` declares every field of that record once, and
both engines derive their schema from it.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from search.analysis import analyze_for_index, infix_keys, normalize, suggest_keys
from search.errors import InvalidDocument

KINDS = ("service", "power", "devolved", "supervision")

# Size caps: one huge row must not break a bulk request or dominate an index segment.
MAX_TEXT_CHARS = 20_000
MAX_NAME_CHARS = 500
MAX_SHORT_CHARS = 200  # department, labels, each list value
MAX_LIST_ITEMS = 100
MAX_ALIASES = 20


class FieldType(Enum):
    """How an engine stores a field of the index record."""

    TOKENS = "tokens"  # pre-analysed tokens, split on whitespace, BM25-scored
    KEYWORD = "keyword"  # exact values to filter and count (facets); may be a list
    KEYS = "keys"  # exact strings only matched, whole or by prefix (suggest keys)
    SORT_KEY = "sort_key"  # one exact value used only to sort
    STORED = "stored"  # shown in results, never searched
    BOOL = "bool"
    INT = "int"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the index record; ``source`` and ``stream`` say how TOKENS are made."""

    type: FieldType
    source: str = ""
    stream: str = ""


_T, _K = FieldType.TOKENS, FieldType.KEYWORD

# The index schema, in one place. TOKENS fields are (document field, analysis stream);
# their relevance weights live in data/relevance.toml.
FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec(_K),
    "kind": FieldSpec(_K),
    # the lists the item's hit stands for: its own kind, then its twins' (the kind facet)
    "lists": FieldSpec(_K),
    "twins": FieldSpec(FieldType.STORED),
    # a twin merged into another item's hit (a 权责 item whose service item is published)
    "merged": FieldSpec(FieldType.BOOL),
    "name": FieldSpec(FieldType.STORED),
    "department": FieldSpec(_K),
    "department_id": FieldSpec(_K),
    "region": FieldSpec(_K),
    "item_type": FieldSpec(_K),
    "item_type_label": FieldSpec(FieldType.STORED),
    "townships": FieldSpec(_K),
    "service_objects": FieldSpec(_K),
    "themes": FieldSpec(_K),
    "instant": FieldSpec(FieldType.BOOL),
    "zero_visit": FieldSpec(FieldType.BOOL),
    "onsite_visits": FieldSpec(FieldType.INT),
    "version": FieldSpec(FieldType.INT),
    "updated_at": FieldSpec(FieldType.DATE),
    "name_words": FieldSpec(_T, "name", "words"),
    "name_grams": FieldSpec(_T, "name", "grams"),
    "name_pinyin": FieldSpec(_T, "name", "pinyin"),
    "name_initials": FieldSpec(_T, "name", "initials"),
    "alias_words": FieldSpec(_T, "aliases", "words"),
    "alias_grams": FieldSpec(_T, "aliases", "grams"),
    "text_words": FieldSpec(_T, "text", "words"),
    "text_grams": FieldSpec(_T, "text", "grams"),
    "meta_words": FieldSpec(_T, "meta", "words"),
    # whole-name keys (normalised, full pinyin, initials): exact-name boost and suggest
    "name_keys": FieldSpec(FieldType.KEYS),
    # the same keys for every tail of the name that starts at a word: infix suggest
    "name_infix_keys": FieldSpec(FieldType.KEYS),
    "name_sort": FieldSpec(FieldType.SORT_KEY),
    # the one suggestion order both engines share: shorter names first (an integer,
    # because tantivy sorts by an integer fast field several times faster than by text)
    "suggest_order": FieldSpec(FieldType.INT),
}


@dataclass(frozen=True)
class SearchDocument:
    """One catalog item as the search side sees it."""

    id: str  # "<kind>:<row id>", e.g. "service:123"
    kind: str  # one of KINDS
    name: str
    aliases: tuple[str, ...] = ()
    department: str = ""
    department_id: str = ""
    region: str = ""
    item_type: str = ""  # code, e.g. "1" (行政许可)
    item_type_label: str = ""
    townships: tuple[str, ...] = ()
    service_objects: tuple[str, ...] = ()  # labels: 个人, 法人
    themes: tuple[str, ...] = ()
    # None: not stated (未填报), or not a service item: left out of the index, so the
    # 即办件 and 零跑动 facets count known facts only
    instant: bool | None = None  # 即办件
    onsite_visits: int | None = None  # 到办事现场次数
    zero_visit: bool | None = None  # 零跑动
    text: str = ""  # conditions, materials... searched, never shown
    version: int = 0  # the row's version: a stale write never replaces a newer one
    updated_at: str = ""  # ISO 8601
    # Twins: the same item in several lists (a service item and its 权责 item) is one hit.
    # The hit's document names the twins merged into it and their kinds; each twin's own
    # document names the hit it is merged into and is never a hit itself.
    twins: tuple[str, ...] = ()
    twin_kinds: tuple[str, ...] = ()
    merged_into: str = ""

    @property
    def lists(self) -> tuple[str, ...]:
        """The lists this document's hit stands for, its own first."""
        return tuple(dict.fromkeys((self.kind, *self.twin_kinds)))

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> SearchDocument:
        """Validate a plain mapping and cap its sizes; raises :class:`InvalidDocument`."""
        doc_id = _text(row.get("id"), MAX_SHORT_CHARS)
        if not doc_id:
            raise InvalidDocument("a search document needs an id")
        kind = row.get("kind")
        if kind not in KINDS:
            raise InvalidDocument(f"{doc_id}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        name = _text(row.get("name"), MAX_NAME_CHARS)
        if not name:
            raise InvalidDocument(f"{doc_id}: a search document needs a name")
        visits = row.get("onsite_visits")
        try:
            version = int(row.get("version") or 0)
            onsite_visits = None if visits is None else int(visits)
        except (TypeError, ValueError) as exc:
            raise InvalidDocument(f"{doc_id}: version and onsite_visits must be integers") from exc
        if version < 0:
            raise InvalidDocument(f"{doc_id}: version must not be negative")
        return cls(
            id=doc_id,
            kind=kind,
            name=name,
            aliases=_values(row.get("aliases"), MAX_ALIASES),
            department=_text(row.get("department"), MAX_SHORT_CHARS),
            department_id=_text(row.get("department_id"), MAX_SHORT_CHARS),
            region=_text(row.get("region"), MAX_SHORT_CHARS),
            item_type=_text(row.get("item_type"), MAX_SHORT_CHARS),
            item_type_label=_text(row.get("item_type_label"), MAX_SHORT_CHARS),
            townships=_values(row.get("townships"), MAX_LIST_ITEMS),
            service_objects=_values(row.get("service_objects"), MAX_LIST_ITEMS),
            themes=_values(row.get("themes"), MAX_LIST_ITEMS),
            instant=_flag(row.get("instant")),
            onsite_visits=onsite_visits,
            zero_visit=_flag(row.get("zero_visit")),
            text=_text(row.get("text"), MAX_TEXT_CHARS),
            version=version,
            updated_at=_iso_datetime(doc_id, row.get("updated_at")),
            twins=_values(row.get("twins"), MAX_LIST_ITEMS),
            twin_kinds=tuple(k for k in _values(row.get("twin_kinds"), len(KINDS)) if k in KINDS),
            merged_into=_text(row.get("merged_into"), MAX_SHORT_CHARS),
        )


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _text(value: Any, limit: int) -> str:
    return "" if value is None else str(value).strip()[:limit]


def _values(value: Any, limit: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    cleaned = (_text(item, MAX_SHORT_CHARS) for item in value)
    return tuple(dict.fromkeys(item for item in cleaned if item))[:limit]


def _iso_datetime(doc_id: str, value: Any) -> str:
    """An aware UTC ISO timestamp ('' when absent); naive values are taken as UTC."""
    if value in (None, ""):
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidDocument(f"{doc_id}: updated_at is not an ISO date-time: {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def compact(name: str) -> str:
    """The name as sorted and suggested: normalised, without spaces."""
    return normalize(name).replace(" ", "")


def suggest_order(compact_name: str) -> int:
    """Sort key of suggestions: name length, then a fixed pseudo-random order.

    Among names of one length no order means more to a citizen than another (code-point
    order of Han characters means nothing), so a CRC of the name keeps it stable and the
    same on both engines while fitting in one integer.
    """
    return (len(compact_name) << 32) | zlib.crc32(compact_name.encode("utf-8"))


#: What orders the items an order leaves tied (equal scores, one name, one update time), on
#: both engines: shorter names first, then the id. A page then holds the same items however the
#: index was built, and relevance figures do not move between two builds of one catalog.
TIE_BREAKERS = ("suggest_order", "id")


def tie_order(name: str, doc_id: str) -> tuple[int, str]:
    """An item's place among tied items, as :data:`TIE_BREAKERS` orders them."""
    return suggest_order(compact(name)), doc_id


def _meta_text(doc: SearchDocument) -> str:
    """Words a citizen may add to a query besides the item name (公安 护照)."""
    return " ".join([doc.department, doc.item_type_label, *doc.themes])


def to_index_body(doc: SearchDocument) -> dict[str, Any]:
    """The engine-neutral record of a document: display and filter values, token streams.

    Token fields are whitespace-joined strings; KEYWORD fields are lists or strings;
    ``updated_at`` stays an ISO string (each engine converts it). Body text is analysed
    but not stored. Empty values are left out, so that no engine indexes an empty string
    (Elasticsearch would count "" as a department in the facets, tantivy would not).
    """
    sources = {
        "name": analyze_for_index(doc.name),
        "aliases": analyze_for_index(" ".join(doc.aliases)),
        "text": analyze_for_index(doc.text, body=True),
        "meta": analyze_for_index(_meta_text(doc), body=True),
    }
    compact_name = compact(doc.name)
    body: dict[str, Any] = {
        "id": doc.id,
        "kind": doc.kind,
        "lists": list(doc.lists),
        "twins": list(doc.twins),
        "merged": bool(doc.merged_into),
        "name": doc.name,
        "department": doc.department,
        "department_id": doc.department_id,
        "region": doc.region,
        "item_type": doc.item_type,
        "item_type_label": doc.item_type_label,
        "townships": list(doc.townships),
        "service_objects": list(doc.service_objects),
        "themes": list(doc.themes),
        "instant": doc.instant,
        "zero_visit": doc.zero_visit,
        "onsite_visits": doc.onsite_visits,
        "version": doc.version,
        # checked again here: a document built without from_mapping must fail alone
        "updated_at": _iso_datetime(doc.id, doc.updated_at) or None,
        "name_keys": suggest_keys(doc.name),
        "name_infix_keys": infix_keys(doc.name),
        "name_sort": compact_name,
        "suggest_order": suggest_order(compact_name),
    }
    for field_name, spec in FIELDS.items():
        if spec.type is FieldType.TOKENS:
            body[field_name] = sources[spec.source].get(spec.stream, "")
    return {name: value for name, value in body.items() if value not in (None, "", [])}
