"""What only the embedded engine has to get right: several processes on one index
directory (gunicorn workers reading, one indexer writing), the CURRENT pointer, and a
schema that changed under an old index."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tantivy

from search.documents import SearchDocument
from search.engines.base import Removal
from search.engines.embedded import POINTER, EmbeddedEngine
from search.errors import EngineUnavailable
from search.query import SearchRequest

REPO_ROOT = Path(__file__).resolve().parents[2]


def doc(number: int, name: str, version: int = 1) -> SearchDocument:
    return SearchDocument.from_mapping(
        {"id": f"service:{number}", "kind": "service", "name": name, "version": version}
    )


def names(engine: EmbeddedEngine, text: str) -> list[str]:
    return [hit.name for hit in engine.search(SearchRequest(text=text)).hits]


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a separate Python process, as another gunicorn worker would."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def directory(tmp_path) -> Path:
    return tmp_path / "search-index"


def test_a_reader_sees_another_writers_commit_on_its_next_query(directory):
    reader, writer = EmbeddedEngine(directory), EmbeddedEngine(directory)
    reader.ensure_index()
    assert names(reader, "护照") == []
    writer.index([doc(1, "普通护照签发")])
    assert names(reader, "护照") == ["普通护照签发"]
    writer.delete([Removal("service:1", 1)])
    assert names(reader, "护照") == []


def test_another_process_reads_what_this_one_wrote(directory):
    engine = EmbeddedEngine(directory)
    engine.ensure_index()
    engine.index([doc(1, "普通护照签发"), doc(2, "户口迁移审批")])
    result = run_python(
        f"""
        import json
        from search.engines.embedded import EmbeddedEngine
        from search.query import SearchRequest
        engine = EmbeddedEngine({str(directory)!r})
        print(json.dumps([h.name for h in engine.search(SearchRequest(text="huzhao")).hits]))
        """
    )
    assert json.loads(result.stdout) == ["普通护照签发"]


def test_a_second_writer_waits_then_gives_up_cleanly(directory):
    engine = EmbeddedEngine(directory, lock_timeout=0.3)
    engine.ensure_index()
    live = directory / engine.live_index()
    holder = tantivy.Index.open(str(live)).writer(15_000_000, 1)  # another writer holds the lock
    try:
        with pytest.raises(EngineUnavailable, match="locked by another writer"):
            engine.index([doc(1, "普通护照签发")])
        assert engine.search(SearchRequest(text="护照")).total == 0  # reads go on
    finally:
        holder.wait_merging_threads()  # releases the lock
    assert engine.index([doc(1, "普通护照签发")]).indexed == 1


def test_a_writer_in_another_process_blocks_this_one(directory):
    engine = EmbeddedEngine(directory, lock_timeout=0.3)
    engine.ensure_index()
    live = directory / engine.live_index()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, tantivy; w = tantivy.Index.open(sys.argv[1]).writer(15_000_000, 1);"
            " print('locked', flush=True); sys.stdin.read()",
            str(live),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(EngineUnavailable):
            engine.index([doc(1, "普通护照签发")])
    finally:
        holder.communicate("", timeout=60)
    assert engine.index([doc(1, "普通护照签发")]).indexed == 1


def test_reindex_by_another_instance_switches_readers(directory):
    reader, builder = EmbeddedEngine(directory), EmbeddedEngine(directory)
    reader.ensure_index()
    builder.index([doc(1, "普通护照签发")])
    assert names(reader, "护照") == ["普通护照签发"]
    report = builder.reindex([doc(2, "户口迁移审批")], expected_count=1)
    assert report.ok
    assert (directory / POINTER).read_text().strip() == report.new_index
    assert names(reader, "护照") == []
    assert names(reader, "户口") == ["户口迁移审批"]
    # nothing but CURRENT, the lock file and version directories is left behind
    leftovers = {p.name for p in directory.iterdir() if not p.name.startswith("idx-")}
    assert leftovers == {POINTER, ".lock"}


def test_an_index_with_another_schema_is_not_served(directory):
    engine = EmbeddedEngine(directory)
    engine.ensure_index()
    old = directory / "idx-20000101000000000000-abcdef"
    old.mkdir()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    tantivy.Index(builder.build(), path=str(old))
    (directory / POINTER).write_text(old.name + "\n")
    with pytest.raises(EngineUnavailable, match="another schema"):
        EmbeddedEngine(directory).search(SearchRequest(text="护照"))
    assert not EmbeddedEngine(directory).health().ok
    # a rebuild repairs it
    assert EmbeddedEngine(directory).reindex([doc(1, "普通护照签发")], 1).ok
    assert names(EmbeddedEngine(directory), "护照") == ["普通护照签发"]


def test_no_index_yet_is_unavailable_not_empty(directory):
    engine = EmbeddedEngine(directory)
    with pytest.raises(EngineUnavailable, match="run a reindex"):
        engine.count()
    health = engine.health()
    assert (health.ok, health.index, health.count) == (False, None, None)
