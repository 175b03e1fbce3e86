"""Commands that write rows leave the search index in sync when they return (issue 13, item 5):
``import --commit`` and the ``seed`` commands drain the outbox at the end, and say plainly
when an engine that is down leaves the changes to the indexer."""

from __future__ import annotations

from pathlib import Path

from catalog import cli_seed
from catalog.database import write_intent
from catalog.services import search_documents, search_outbox, search_reindex
from search.engines.elasticsearch import ElasticsearchEngine
from search.query import SearchRequest
from seed import SeedReport
from tests import factories
from tests.support.databases import LiveDatabase


def department_named(live: LiveDatabase, name: str) -> None:
    with write_intent(), live.session() as session:
        factories.department(session, name=name)


def import_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    header = "事项名称,事项类型,实施主体,办件类型,法定办结时限,法定办结时限单位,承诺办结时限,到办事现场次数,是否收费,服务对象,状态"
    lines = [header] + [
        f"{name},01,{department},承诺件,20,工作日,5,0,否,个人,已发布" for name, department in rows
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return path


def drift_of(live: LiveDatabase, engine) -> tuple[list[str], list[str], list[str]]:
    with live.session() as session:
        drift = search_reindex.verify(session, engine)
    return drift.missing, drift.stale, drift.extra


def test_import_commit_returns_with_the_rows_searchable(live_database, engine, tmp_path):
    live = live_database
    department_named(live, "区行政审批局")
    sheet = import_file(
        tmp_path / "事项.csv",
        [("烟草专卖零售许可", "区行政审批局"), ("餐饮服务许可", "区行政审批局")],
    )
    runner = live.app.test_cli_runner()

    checked = runner.invoke(args=["import", "service-items", str(sheet)])
    assert checked.exit_code == 0, checked.output
    assert "检查通过" in checked.output and engine.count() == 0  # a dry run keeps nothing

    imported = runner.invoke(args=["import", "service-items", str(sheet), "--commit"])
    assert imported.exit_code == 0, imported.output
    assert "已导入 2 行" in imported.output and "搜索索引已同步：写入 2" in imported.output
    assert [hit.name for hit in engine.search(SearchRequest(text="烟草专卖")).hits] == [
        "烟草专卖零售许可"
    ]
    assert drift_of(live, engine) == ([], [], [])


def test_seed_commands_return_with_their_rows_searchable(live_database, engine):
    """The seed commands share one runner (a dataset per transaction, then the drain); a small
    dataset stands in for 云城区's 3,322 rows."""
    live = live_database

    def small_dataset(session) -> SeedReport:
        department = factories.department(session, name="区市场监督管理局")
        for name in ("食品生产许可", "食品经营许可"):
            factories.service_item(session, department.id, name=name, status="published")
        report = SeedReport("测试数据")
        report.created["service_items"] = 2
        return report

    cli_seed._run(small_dataset)
    assert (
        sorted(engine.fetch_versions()) == sorted(f"service:{i}" for i in _published_ids(live))
        and engine.count() == 2
    )
    assert drift_of(live, engine) == ([], [], [])


def _published_ids(live: LiveDatabase) -> list[int]:
    with live.session() as session:
        return [int(key.split(":")[1]) for key in search_documents.published_versions(session)]


def test_an_engine_that_is_down_leaves_the_changes_to_the_indexer_and_says_so(
    live_database, tmp_path
):
    live = live_database
    live.app.extensions["qingdan_search_engine"] = ElasticsearchEngine(
        "http://127.0.0.1:9", timeout=1
    )
    try:
        department_named(live, "区交通运输局")
        sheet = import_file(tmp_path / "事项.csv", [("道路货物运输经营许可", "区交通运输局")])
        imported = live.app.test_cli_runner().invoke(
            args=["import", "service-items", str(sheet), "--commit"]
        )
    finally:
        live.app.extensions.pop("qingdan_search_engine")
    assert imported.exit_code == 0, imported.output  # the rows are saved either way
    assert "搜索引擎暂不可用" in imported.output and "search worker" in imported.output
    with live.session() as session:
        assert search_outbox.outbox_lag(session)["pending"] == 1  # the item waits in the outbox
