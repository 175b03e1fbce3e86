"""The one Chinese text analysis both engines use, at index time and at query time.

Engines never analyse Chinese themselves: they receive whitespace-separated tokens and
split them on whitespace, so a query produces the same tokens, and so the same BM25
scores, on Elasticsearch and on the embedded engine, and no engine plugin is needed.

Token streams (each engine field holds one stream of one document field):

``words``
    jieba words and the smaller words inside them (居民身份证 → 居民 身份 身份证 居民身份证,
    see search.segment) and latin/digit runs.
``grams``
    overlapping character bigrams of each Han run, so any 2-character substring matches
    even where jieba cut differently; in names also every single character, so a
    one-character query (证) finds names containing it.
``pinyin``
    toneless syllables, adjacent-syllable pairs joined (hu zhao → huzhao) and the joined
    pinyin of longer words (身份证 → shenfenzheng): a query typed in full pinyin, spaced or
    not, matches through the pairs whatever syllable split it was typed with.
``initials``
    first letters of each word and of each Han run (身份证 → sfz).

Long body text (materials, conditions) gets only ``words`` and ``grams``, without single
characters and with repeated tokens kept so term frequency still means something.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, pairwise

import opencc

from search.pinyin import han_syllables, split_syllables
from search.segment import Word, search_words
from search.synonyms import SYNONYM_FILES, Replacement, SynonymTable, build_table
from search.understanding import rules as understanding_rules
from search.understanding import understand

STREAMS = ("words", "grams", "pinyin", "initials")
BODY_STREAMS = ("words", "grams")
MAX_KEY_CHARS = 64  # suggest keys longer than this are cut: nobody types further
# Longer tokens are dropped: nobody searches them, and Elasticsearch's whitespace
# tokenizer would split them (at 255) where tantivy's would not.
MAX_TOKEN_CHARS = 64

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RUN = re.compile(f"[{_HAN}]+")
# A normalised text splits into Han runs, latin/digit runs and runs of other letters
# (kana, Greek...): each becomes tokens its own way.
_CHUNK = re.compile(f"[{_HAN}]+|[a-z0-9]+|[^\\s{_HAN}a-z0-9]+")
_LETTERS = re.compile("[a-z]+")
_SEPARATORS = re.compile(r"[\W_]+")  # punctuation, brackets, symbols, spaces
_PINYIN_QUERY = re.compile("[a-z ]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Canonical form of any text: what both index and query analysis start from.

    NFKC (full-width ＡＢＣ１２３ → abc123, ㈠ → (一)), lower case, traditional →
    simplified (護照 → 护照), and every run of punctuation, brackets or spaces
    (《》（）()【】、，。…) becomes one space.
    """
    text = _t2s().convert(unicodedata.normalize("NFKC", text).lower())
    return " ".join(part for part in _SEPARATORS.split(text) if part)


def is_han(chunk: str) -> bool:
    """Whether a chunk of normalised text is a run of Han characters."""
    return _HAN_RUN.fullmatch(chunk) is not None


def _unique(tokens: Iterable[str]) -> list[str]:
    """Tokens in first-seen order, each once, without empty ones."""
    seen = dict.fromkeys(tokens)
    seen.pop("", None)
    return list(seen)


def _joined(tokens: list[str]) -> str:
    if max(map(len, tokens), default=0) > MAX_TOKEN_CHARS:  # rare: filter only then
        tokens = [token for token in tokens if len(token) <= MAX_TOKEN_CHARS]
    return " ".join(tokens)


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _syllable_pairs(syllables: Sequence[str]) -> list[str]:
    return [a + b for a, b in pairwise(syllables) if a and b]


def _initials(syllables: Sequence[str]) -> str:
    # a character without a reading makes the initials of its word meaningless
    return "".join(s[0] for s in syllables) if all(syllables) else ""


@dataclass(frozen=True, slots=True)
class _HanRun:
    """Everything index analysis derives from one Han run, computed once per run."""

    words: tuple[Word, ...]
    syllables: tuple[str, ...]
    name_streams: dict[str, tuple[str, ...]]
    # per character, for suggest keys: pinyin (or the character), first letter
    full: tuple[str, ...]
    first_letters: tuple[str, ...]
    word_starts: tuple[int, ...]


# Names are built from runs that recur across a catalog (审批, 变更登记, 县级, a street's
# name), so caching per run makes a rebuild several times faster.
@lru_cache(maxsize=65536)
def _han_run(run: str) -> _HanRun:
    words = tuple(search_words(run))
    syllables = han_syllables(run)
    pinyin = [*syllables, *_syllable_pairs(syllables)]
    initials = []
    for word in words:
        word_syllables = syllables[word.start : word.end]
        if len(word_syllables) >= 2:
            if len(word_syllables) >= 3 and all(word_syllables):
                pinyin.append("".join(word_syllables))
            initials.append(_initials(word_syllables))
    if len(run) >= 2:
        initials.append(_initials(syllables))
    streams = {
        "words": tuple(word.text for word in words),
        # bigrams, then every single character: names only
        "grams": (*_bigrams(run), *run),
        "pinyin": tuple(pinyin),
        "initials": tuple(initials),
    }
    full = tuple(syllable or char for char, syllable in zip(run, syllables, strict=True))
    first_letters = tuple(
        syllable[0] if syllable else char for char, syllable in zip(run, syllables, strict=True)
    )
    starts = tuple(sorted({word.start for word in words}))
    return _HanRun(words, tuple(syllables), streams, full, first_letters, starts)


def analyze_for_index(text: str, *, body: bool = False) -> dict[str, str]:
    """Token streams of a document field: stream name → whitespace-joined tokens.

    ``body=True`` is for long text (materials, conditions): ``words`` and ``grams``
    (bigrams only) with repeats kept. Otherwise (names, aliases) all four streams, each
    token once.
    """
    if len(text) <= _CACHED_TEXT_CHARS:
        return dict(_analyze_short(text, body))
    return _analyze(text, body)


_CACHED_TEXT_CHARS = 200


@lru_cache(maxsize=16384)  # departments, main items and labels repeat on many documents
def _analyze_short(text: str, body: bool) -> tuple[tuple[str, str], ...]:
    return tuple(_analyze(text, body).items())


def _analyze(text: str, body: bool) -> dict[str, str]:
    names = BODY_STREAMS if body else STREAMS
    streams: dict[str, list[str]] = {name: [] for name in names}
    for chunk in _CHUNK.findall(normalize(text)):
        if not is_han(chunk):
            streams["words"].append(chunk)
        elif body:
            streams["words"].extend(word.text for word in search_words(chunk))
            streams["grams"].extend(_bigrams(chunk))
        else:
            for name, tokens in _han_run(chunk).name_streams.items():
                streams[name].extend(tokens)
    if not body:
        streams = {name: _unique(tokens) for name, tokens in streams.items()}
    return {name: _joined(tokens) for name, tokens in streams.items()}


# -- queries -----------------------------------------------------------------------------


# What a reading of the query is, which decides its weight (relevance.toml) and whether its
# tokens are marked in highlighted names and may trigger the exact-name boost.
TYPED, SYNONYM, INTENT, IMPLIED, SOUNDS_LIKE = (
    "typed",
    "synonym",
    "intent",
    "implied",
    "sounds_like",
)
_MARKED_ROLES = (TYPED, SYNONYM)
# Token classes weighed below a normal token (factors in relevance.toml [understanding]).
# GENERIC and ACTION tokens only add to the score of a document other tokens of the query found
# (search.query.finding); an IMPLIED_OBJECT token weighs like an action word but finds.
GENERIC, ACTION, IMPLIED_OBJECT = "generic", "action", "implied_object"
MAX_INTENT_READINGS = 6


@dataclass(frozen=True)
class QueryVariant:
    """One reading of a query: its normalised text, its token streams, and how it was made.

    ``classes`` maps the tokens that weigh less than a normal token to their class
    (GENERIC: 开, 证; ACTION: the catalog's action words an intent added).
    """

    text: str
    streams: dict[str, tuple[str, ...]]
    role: str = TYPED
    classes: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The text without spaces, compared with a name's keys for the exact-name boost;
        empty for readings the citizen did not type (an intent's reading is no name)."""
        if self.role not in _MARKED_ROLES:
            return ""
        return self.text.replace(" ", "")[:MAX_KEY_CHARS]

    @property
    def marked(self) -> bool:
        """Whether highlighting marks this reading's tokens in names."""
        return self.role in _MARKED_ROLES


@dataclass(frozen=True)
class Expansion:
    """A synonym rewrite of the query: ``matched`` read as ``replacement``."""

    matched: str
    replacement: str
    variant: QueryVariant


@dataclass(frozen=True)
class AnalyzedQuery:
    """A query after analysis: what it says as typed, its synonym rewrites, and the readings
    query understanding added (an intent's object with the catalog's action words, and the
    query's sound for slips of the input method)."""

    text: str  # as typed
    normalized: str
    is_pinyin: bool  # typed in latin letters only: read as full pinyin or initials
    streams: dict[str, tuple[str, ...]]
    expansions: tuple[Expansion, ...] = field(default=())
    readings: tuple[QueryVariant, ...] = field(default=())
    core: str = ""  # the query without question words and particles
    corrections: tuple[str, ...] = ()  # the query with slips corrected ("did you mean")
    intent: str = ""  # name of the intent understood, if any
    classes: Mapping[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> QueryVariant:
        return QueryVariant(self.core or self.normalized, self.streams, TYPED, self.classes)

    @property
    def variants(self) -> tuple[QueryVariant, ...]:
        """The query as typed, then each expansion, then the understood readings."""
        return (self.primary, *(e.variant for e in self.expansions), *self.readings)

    @property
    def is_empty(self) -> bool:
        return not any(self.streams.values())


def _query_streams(normalized: str) -> dict[str, tuple[str, ...]]:
    """Token streams of one query reading, matching the index streams of names."""
    streams: dict[str, list[str]] = {name: [] for name in STREAMS}
    pending: list[str] = []  # syllables of consecutive pinyin chunks: one pinyin phrase

    def flush() -> None:
        if pending:
            streams["pinyin"].append("".join(pending))
            streams["pinyin"].extend(pending if len(pending) == 1 else _syllable_pairs(pending))
            pending.clear()

    for chunk in _CHUNK.findall(normalized):
        if is_han(chunk):
            flush()
            words = search_words(chunk)
            streams["words"].extend(word.text for word in words)
            streams["grams"].extend(_bigrams(chunk))
            # single characters only where the query has a one-character word (开网吧 →
            # 开, matching 开办…; 证 alone): every character would match nearly every name
            streams["grams"].extend(word.text for word in words if len(word.text) == 1)
            continue
        streams["words"].append(chunk)
        if not _LETTERS.fullmatch(chunk):
            flush()
            continue
        syllables = split_syllables(chunk)
        if syllables:
            if len(syllables) > 2:
                streams["pinyin"].append(chunk)  # 'shenfenzheng' as typed, as a word's pinyin
            pending.extend(syllables)
        else:
            flush()
            streams["initials"].append(chunk)  # not pinyin: read as initials (sfz)
    flush()
    return {
        name: tuple(t for t in _unique(tokens) if len(t) <= MAX_TOKEN_CHARS)
        for name, tokens in streams.items()
    }


def _generic_classes(
    streams: dict[str, tuple[str, ...]], generic: frozenset[str]
) -> dict[str, str]:
    return {token: GENERIC for tokens in streams.values() for token in tokens if token in generic}


def _intent_reading(
    subject: str, actions: tuple[str, ...], generic: frozenset[str], implied: bool = False
) -> QueryVariant:
    """An object with an intent's action words: the object's tokens count fully, the action
    words' tokens (those not also in the object) at the ACTION class. An object the intent
    only implies (个体工商户 for 开饭店) weighs like the action words (IMPLIED_OBJECT): it may
    order items, never outweigh what the citizen named."""
    own = _query_streams(subject)
    added = _query_streams(" ".join(actions))
    streams = {name: tuple(_unique([*own[name], *added[name]])) for name in STREAMS}
    classes = {token: ACTION for name in STREAMS for token in added[name] if token not in own[name]}
    classes.update(_generic_classes(own, generic))
    if implied:
        classes.update({token: IMPLIED_OBJECT for tokens in own.values() for token in tokens})
    role = IMPLIED if implied else INTENT
    return QueryVariant(f"{subject} {' '.join(actions)}", streams, role, classes)


def _sounds_like(normalized: str) -> QueryVariant | None:
    """The query's Han text as pinyin, matched against names' pinyin: 户口签移 sounds like
    户口迁移, 居住正 like 居住证 (the input method's commonest slip is a homophone)."""
    parts = []
    for chunk in _HAN_RUN.findall(normalized):
        syllables = han_syllables(chunk)
        if len(chunk) >= 2 and all(syllables):
            parts.append("".join(syllables))
    if not parts:
        return None
    text = " ".join(parts)
    streams: dict[str, tuple[str, ...]] = dict.fromkeys(STREAMS, ())
    streams["pinyin"] = _query_streams(text)["pinyin"]
    return QueryVariant(text, streams, SOUNDS_LIKE)


def corrected(core: str, table: SynonymTable) -> list[Replacement]:
    """The query with a misspelt term corrected: a span of Han characters that sounds like a
    term of the synonym and vocabulary files (same toneless pinyin, on the query's word
    boundaries) but is written otherwise. 社保咔 → 社保卡, 居住正 → 居住证: input methods pick
    the wrong homophone, the sound stays right. A span across words is no slip: 领取失业 holds
    the sound of 去世 (取失), and reading it so would search for 死亡证明."""
    found: list[Replacement] = []
    known = table.known_terms
    for run in _HAN_RUN.finditer(core):
        chars = run.group()
        syllables = han_syllables(chars)
        if not all(syllables):
            continue
        starts = dict.fromkeys(accumulate((len(s) for s in syllables), initial=0))
        offsets = {offset: index for index, offset in enumerate(starts)}
        words = _han_run(chars).words
        word_starts = {0, *(w.start for w in words)}
        word_ends = {len(chars), *(w.end for w in words)}
        joined = "".join(syllables)
        for spelled, term in table.pinyin_terms.items():
            at = joined.find(spelled)
            end = at + len(spelled)
            if at < 0 or at not in offsets or end not in offsets:
                continue
            first, last = offsets[at], offsets[end]
            if first not in word_starts or last not in word_ends:
                continue
            if chars[first:last] in known:  # written as a term: nothing to correct
                continue
            text = core[: run.start() + first] + term + core[run.start() + last :]
            found.append(Replacement(chars[first:last], term, text))
    return found[:MAX_CORRECTIONS]


MAX_CORRECTIONS = 3


def _rewrite(text: str) -> QueryVariant:
    """A rewrite of the query: its generic words weigh as they do in the query as typed."""
    streams = _query_streams(text)
    return QueryVariant(
        text, streams, SYNONYM, _generic_classes(streams, understanding_rules().generic)
    )


def _expansions(text: str, table: SynonymTable, seen: set[str]) -> list[Expansion]:
    rewrites = table.expand(text)
    if _LETTERS.search(text):
        rewrites += table.expand_pinyin(text, split_syllables)
        for letters in _LETTERS.findall(text):
            if split_syllables(letters) is None:  # initials, not pinyin
                rewrites += [
                    Replacement(letters, other, text.replace(letters, other))
                    for other in table.expand_initials(letters)
                ]
    expansions = []
    for rewrite in rewrites:
        if rewrite.text not in seen:
            seen.add(rewrite.text)
            variant = _rewrite(rewrite.text)
            expansions.append(Expansion(rewrite.matched, rewrite.replacement, variant))
    return expansions


@lru_cache(maxsize=4096)  # the engine and search.citizen both analyse each query; queries repeat
def analyze_query(text: str, table: SynonymTable | None = None) -> AnalyzedQuery:
    """Analyse a query as typed: drop question words, expand with synonyms and everyday
    vocabulary, add its intent's readings and the reading of its sound.

    ``table`` replaces the file-based synonym table (the catalog passes one that also holds
    the entries administrators added).
    """
    normalized = normalize(text)
    is_pinyin = bool(normalized) and _PINYIN_QUERY.fullmatch(normalized) is not None
    table = table or synonyms()
    current = understanding_rules()
    understood = understand(normalized, current)
    core = understood.core
    streams = _query_streams(core)
    corrections = [] if is_pinyin else corrected(core, table)
    seen = {core}
    expansions = _expansions(core, table, seen)
    for correction in corrections:
        if correction.text not in seen:
            seen.add(correction.text)
            variant = _rewrite(correction.text)
            expansions.append(Expansion(correction.matched, correction.replacement, variant))
        expansions += _expansions(correction.text, table, seen)
    readings: list[QueryVariant] = []
    if understood.intent is not None:
        subjects = [understood.object, *(r.text for r in table.expand(understood.object))]
        actions, generic = understood.intent.actions, current.generic
        for subject in list(dict.fromkeys(subjects))[: MAX_INTENT_READINGS - 1]:
            readings.append(_intent_reading(subject, actions, generic))
        for subject in understood.intent.also:
            readings.append(_intent_reading(subject, actions, generic, implied=True))
    sounds = None if is_pinyin else _sounds_like(core)
    if sounds is not None:
        readings.append(sounds)
    return AnalyzedQuery(
        text=text,
        normalized=normalized,
        is_pinyin=is_pinyin,
        streams=streams,
        expansions=tuple(expansions),
        readings=tuple(readings),
        core=core,
        intent=understood.intent.name if understood.intent else "",
        corrections=tuple(c.text for c in corrections),
        classes=_generic_classes(streams, current.generic),
    )


def initials_of(text: str) -> str | None:
    """First letters of a Han text's syllables (社会保障卡 → shbzk), or None without a reading."""
    letters = []
    for chunk in _HAN_RUN.findall(normalize(text)):
        syllables = han_syllables(chunk)
        if not all(syllables):
            return None
        letters += [s[0] for s in syllables]
    return "".join(letters) or None


def joined_pinyin(text: str) -> str | None:
    """Full pinyin of a text with every syllable joined, or None if a character has none."""
    parts: list[str] = []
    for chunk in _CHUNK.findall(normalize(text)):
        if is_han(chunk):
            syllables = han_syllables(chunk)
            if not all(syllables):
                return None
            parts.extend(syllables)
        else:
            parts.append(chunk)
    return "".join(parts) or None


def synonym_table(extra_lines: Sequence[str] = ()) -> SynonymTable:
    """The table of the data files (synonyms.txt, vocabulary.txt) plus ``extra_lines`` in the
    same format (the entries administrators add in the console)."""
    lines = [
        line for path in SYNONYM_FILES for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return build_table([*lines, *extra_lines], normalize, joined_pinyin, initials_of)


@lru_cache(maxsize=1)
def synonyms() -> SynonymTable:
    """The table of the data files alone (read once per process)."""
    return synonym_table()


# -- suggestions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _KeyPieces:
    """A name in three spellings (text, full pinyin, initials) joined without spaces, with
    where each piece (a Han character, or a latin/digit run) starts in each spelling, and
    the pieces where a word starts: a key is a slice from a piece's start."""

    spellings: tuple[tuple[str, tuple[int, ...]], ...]
    word_starts: tuple[int, ...]

    def keys(self, start: int) -> list[str]:
        keys: list[str] = []
        for joined, offsets in self.spellings:
            key = joined[offsets[start] : offsets[start] + MAX_KEY_CHARS]
            if key and key not in keys:
                keys.append(key)
        return keys


def _spelling(pieces: list[str]) -> tuple[str, tuple[int, ...]]:
    return "".join(pieces), (0, *accumulate(map(len, pieces)))


@lru_cache(maxsize=1024)  # suggest_keys and infix_keys of one name share it
def _key_pieces(name: str) -> _KeyPieces:
    text: list[str] = []
    full: list[str] = []
    initials: list[str] = []
    starts: list[int] = []
    for chunk in _CHUNK.findall(normalize(name)):
        if is_han(chunk):
            run = _han_run(chunk)
            starts.extend(len(text) + start for start in run.word_starts)
            text.extend(chunk)
            full.extend(run.full)
            initials.extend(run.first_letters)
        else:
            starts.append(len(text))
            text.append(chunk)
            full.append(chunk)
            initials.append(chunk[0])
    spellings = (_spelling(text), _spelling(full), _spelling(initials))
    return _KeyPieces(spellings, tuple(starts))


def suggest_keys(name: str) -> list[str]:
    """Prefix keys of a name: normalised text, full pinyin, initials (no spaces).

    居民身份证申领 → ["居民身份证申领", "juminshenfenzhengshenling", "jmsfzsl"].
    """
    return _key_pieces(name).keys(0)


def infix_keys(name: str) -> list[str]:
    """Keys of every tail of a name that starts at a word: 身份证 finds 居民身份证申领.

    The whole name's keys are not repeated here (they are :func:`suggest_keys`).
    """
    pieces = _key_pieces(name)
    keys = dict.fromkeys(
        key for start in pieces.word_starts if start > 0 for key in pieces.keys(start)
    )
    for key in pieces.keys(0):
        keys.pop(key, None)
    return list(keys)


def suggest_prefix(text: str) -> str:
    """What a typed prefix is compared with: normalised, without spaces."""
    return normalize(text).replace(" ", "")[:MAX_KEY_CHARS]
