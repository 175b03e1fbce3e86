"""Excel and CSV import and export of the lists (catalog/services/row_import.py, list_export.py,
tabular_files.py, figures_export.py).

- 10,000 service items with exactly three bad rows: the dry run names those three (row as
  Excel shows it, column, code); a commit creates nothing; the corrected file imports whole,
  with its history and search outbox rows.
- CSV in UTF-8 with BOM and in GB18030; export → re-import gives the same rows; the real
  广安区 catalog as a portal-style sheet imports whole once its 34 departments exist.
- The API: upload, refusal with the problems, and bad files (garbage, empty, 20 MB, .xls,
  wrong encoding) answered in the JSON error shape, never a 500. The CLI.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from catalog.models import ChangeRecord, FigureFact, Organization, SearchOutbox, ServiceItem
from catalog.models.figure_facts import rebuild_figure_facts
from catalog.services import history, list_export, registry, row_import, tabular_files
from catalog.services.figures_export import FIGURE_HEADERS
from catalog.services.permissions import Actor
from catalog.services.row_import import ImportReport, import_file
from catalog.services.spreadsheet_columns import SHEETS
from seed.guangan import department_codes, load_items
from tests import factories
from tests.support import hostile_files

SERVICE = registry.SERVICE_ITEMS
# An operator importing on the server (editors' imports: tests/test_permissions.py).
OPERATOR = Actor.system("tests", "import")


def dry_run(*args: Any, **kwargs: Any) -> ImportReport:
    return import_file(*args, actor=OPERATOR, **kwargs)


def commit_import(*args: Any, **kwargs: Any) -> ImportReport:
    return import_file(*args, actor=OPERATOR, dry_run=False, **kwargs)


# 10,000 rows on SQLite. The PostgreSQL pass reruns the same path for its dialect at 2,000 rows:
# there every row's statements are network round trips, and the scale is held by the SQLite
# pass and bench/import_memory.py, so 10,000 more would only add minutes to every CI run.
LARGE = {"sqlite": 10_000, "postgresql": 2_000}
# Data row i (0-based) is on Excel row i + 2: the header is row 1. Where the bad rows sit, in
# ten-thousandths of the size.
BAD_AT = {"instant": 1_234, "department": 5_678, "visits": 9_012}


def xlsx(rows: list[list[Any]], before: dict[str, list[list[Any]]] | None = None) -> bytes:
    """A workbook of one sheet "清单" (after the ``before`` sheets, such as a 填表说明)."""
    workbook = Workbook(write_only=True)
    for title, sheet_rows in {**(before or {}), "清单": rows}.items():
        sheet = workbook.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(data: bytes, sheet: int = 0) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in workbook.worksheets[sheet].iter_rows(values_only=True)]
    workbook.close()
    return rows


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def checked(session, rows: list[list[Any]], **options: Any) -> ImportReport:
    """The dry run of a 实施清单 workbook of ``rows`` (the header first)."""
    return dry_run(session, SERVICE, xlsx(rows), filename="a.xlsx", **options)


def problems(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in report.problems]


@pytest.fixture
def departments(session) -> list[Organization]:
    region = factories.region(session)
    names = ("区市场监督管理局", "区民政局", "区人力资源和社会保障局")
    return [factories.department(session, region.id, name=name) for name in names]


# -- a large import ---------------------------------------------------------------------------------

HEADERS = [
    "序号",
    "事项名称",
    "事项类型",
    "实施主体",
    "办件类型",
    "法定办结时限",
    "法定办结时限单位",
    "承诺办结时限",
    "到办事现场次数",
    "必须现场办理原因",
    "是否收费",
    "服务对象",
    "状态",
]


def large_rows(departments: list[Organization], size: int, bad: bool) -> list[list[Any]]:
    rows: list[list[Any]] = [HEADERS]
    item_types = ("01", "行政许可", "07", "公共服务事项")
    for i in range(size):
        department = departments[i % 3]
        visits = 1 if i % 5 == 0 else 0
        rows.append(
            [
                i + 1,
                f"导入测试事项{i:05d}",
                item_types[i % 4],
                department.uscc if i % 7 == 0 else department.name,  # by USCC or by name
                "承诺件",
                "20个工作日" if i % 2 else 20,
                None if i % 2 else "工作日",
                5,
                visits,
                "须现场核验材料原件" if visits else None,
                "否",
                "个人、法人" if i % 3 else "1",
                "草稿",
            ]
        )
    if bad:
        instant, department, visits = bad_rows(size)
        rows[instant + 1][4] = "即办件"  # 即办件 with 承诺时限 5
        rows[department + 1][3] = "区不存在局"  # no such department
        rows[visits + 1][8], rows[visits + 1][9] = 2, None  # visits without a reason
    return rows


def bad_rows(size: int) -> tuple[int, int, int]:
    return tuple(size * BAD_AT[kind] // 10_000 for kind in ("instant", "department", "visits"))  # type: ignore[return-value]


# Two tests, not one: each is minutes on a large file, and pytest-xdist runs them side by side.
@pytest.mark.slow
def test_a_large_import_with_three_bad_rows_reports_them_and_saves_nothing(session, departments):
    size = LARGE[session.get_bind().dialect.name]
    bad_file = xlsx(large_rows(departments, size, bad=True))
    items_before = count(session, ServiceItem)

    report = dry_run(session, SERVICE, bad_file, filename="事项.xlsx")
    assert report.rows == size and report.valid == size - 3 and report.created == 0
    instant, department, visits = bad_rows(size)
    assert problems(report) == [
        (instant + 2, "承诺办结时限", "instant_requires_zero_promise"),
        (department + 2, "实施主体", "unknown_reference"),
        (visits + 2, "必须现场办理原因", "onsite_reason_required"),
    ]
    assert "区不存在局" in report.problems[1].message
    assert count(session, ServiceItem) == items_before

    refused = commit_import(session, SERVICE, bad_file, filename="事项.xlsx")
    assert refused.created == 0 and len(refused.problems) == 3 and not refused.ok
    assert count(session, ServiceItem) == items_before
    assert count(session, ChangeRecord, ChangeRecord.source == "import") == 0


@pytest.mark.slow
def test_a_large_corrected_file_imports_whole(session, departments):
    size = LARGE[session.get_bind().dialect.name]
    items_before = count(session, ServiceItem)
    outbox_before = count(session, SearchOutbox)
    good_file = xlsx(large_rows(departments, size, bad=False))
    done = commit_import(session, SERVICE, good_file, filename="事项.xlsx")
    assert done.ok and done.created == size
    assert count(session, ServiceItem) == items_before + size
    assert (
        count(
            session,
            ChangeRecord,
            ChangeRecord.entity_type == "service_item",
            ChangeRecord.action == "create",
            ChangeRecord.source == "import",
        )
        == size
    )
    assert count(session, SearchOutbox) == outbox_before + size

    # What the cells became: labels and codes, 工作日 written out or in the unit column.
    first = session.scalar(select(ServiceItem).where(ServiceItem.name == "导入测试事项00001"))
    assert (
        first.item_type,
        first.department_id,
        first.legal_time_limit,
        first.legal_time_unit,
    ) == ("01", departments[1].id, 20, "W")
    assert (
        first.service_objects == ["1", "2", "3", "4"]
        and first.case_type == "2"
        and first.status == "draft"
    )


def test_an_import_writes_its_history_a_batch_at_a_time_and_exactly(
    session, departments, monkeypatch
):
    """The rows' records, outbox rows and figure facts are written a batch at a time (here 4
    rows, so 10 rows are batches of 4, 4 and 2): one record and one outbox row per row, in
    the rows' order, and facts equal to those rebuilt from the history."""
    monkeypatch.setattr(row_import, "HISTORY_BATCH", 4)
    before = session.scalar(select(func.max(ChangeRecord.id))) or 0
    done = commit_import(session, SERVICE, xlsx(large_rows(departments, 10, bad=False)))
    assert done.ok and done.created == 10
    records = session.scalars(
        select(ChangeRecord).where(ChangeRecord.id > before).order_by(ChangeRecord.id)
    ).all()
    names = [record.after["name"] for record in records]
    assert names == [f"导入测试事项{i:05d}" for i in range(10)]
    assert [r.changed_at for r in records] == sorted(r.changed_at for r in records)
    queued = session.scalars(select(SearchOutbox.entity_id).order_by(SearchOutbox.id)).all()
    assert queued[-10:] == [record.entity_id for record in records]
    columns = list(FigureFact.__table__.columns)
    kept = session.execute(select(*columns).order_by(FigureFact.record_id)).all()
    assert [fact.record_id for fact in kept][-10:] == [record.id for record in records]
    rebuild_figure_facts(session.connection())
    assert session.execute(select(*columns).order_by(FigureFact.record_id)).all() == kept


def test_changes_held_for_a_batch_must_be_written_or_dropped_before_the_block_ends(session):
    def change() -> ChangeRecord:
        return history.record_change(session, "organization", 1, "update", None, {}, OPERATOR, None)

    with history.deferred(session):
        assert change() not in session  # held
        history.write_deferred(session, keep=False)
    with pytest.raises(RuntimeError), history.deferred(session):
        change()  # neither written nor dropped: the import that forgot would lose it
    assert change() in session  # outside a block, written at once


# -- cells, headers and problems -----------------------------------------------------------------


def test_cells_in_the_forms_departments_write_them(session, departments):
    department = departments[0]
    street = factories.township(session, department.region_id, name="西街街道")
    rows = [
        [
            "事项名称",
            "事项类型",
            "实施部门",
            "办件类型",
            "法定时限",
            "承诺办结时限（自然日）",
            "跑动次数",
            "现场办理原因",
            "是否收费",
            "收费依据",
            "收费项目",
            "服务对象",
            "办理形式",
            "实施镇街",
            "生效日期",
            "日常用语",
            "事项状态",
        ],
        [
            "婚姻登记",
            1,
            department.name,
            1,
            "即办",
            0,
            "1次",
            "须本人到场",
            "是",
            "财政部文件",
            "工本费、证书费",
            "个人",
            "窗口、网办",
            "西街街道",
            "2021年4月1日",
            "结婚登记、离婚登记",
            "在用",
        ],
        [
            "社会团体成立登记",
            "行政许可",
            department.uscc,
            "承诺件",
            "3个月",
            30,
            0,
            None,
            "否",
            None,
            None,
            "企业法人、社会组织法人",
            "1/2/3",
            None,
            "2021-04-01",
            None,
            "发布",
        ],
    ]
    report = commit_import(session, SERVICE, xlsx(rows), filename="a.xlsx")
    assert report.ok, report.problems
    first, second = (
        session.scalar(select(ServiceItem).where(ServiceItem.name == name))
        for name in ("婚姻登记", "社会团体成立登记")
    )
    assert (
        first.item_type,
        first.case_type,
        first.legal_time_limit,
        first.promised_time_limit,
    ) == ("01", "1", 0, 0)
    assert first.promised_time_unit == "N" and first.onsite_visits == 1 and first.is_charged
    assert [fee.name for fee in first.fees] == ["工本费", "证书费"] and first.channels == ["1", "2"]
    assert first.township_id == street.id and str(first.effective_on) == "2021-04-01"
    assert first.aliases == ["结婚登记", "离婚登记"] and first.status == "published"
    assert (second.legal_time_limit, second.legal_time_unit, second.promised_time_unit) == (
        3,
        "M",
        "N",
    )
    assert second.service_objects == ["2", "4"] and second.channels == ["1", "2", "3"]


def test_every_problem_of_a_row_with_its_column_and_code(session, departments):
    name = departments[0].name
    rows = [
        [*factories.SERVICE_ITEM_HEADERS, "备注栏"],
        ["甲", "行政许k", name, "承诺件", 20, 5, 0, "x"],  # unknown 事项类型 label
        ["乙", "01", name, "承诺件", "二十天", 5, "两次", None],  # unreadable time limit and count
        ["丙", "01", name, "承诺件", 10, 15, 0, None],  # 承诺 > 法定 (the rule)
        ["", "01", name, "承诺件", 10, 5, 0, None],  # no name (the schema)
        ["丁" * 301, "01", name, "承诺件", 10, 5, 0, None],  # too long (the schema)
    ]
    report = checked(session, rows)
    assert problems(report) == [
        (1, "备注栏", "unknown_column"),
        (2, "事项类型", "not_in_choices"),
        (3, "法定办结时限", "invalid_time_limit"),
        (3, "到办事现场次数", "invalid_integer"),
        (4, "承诺办结时限", "promise_exceeds_legal"),
        (5, "事项名称", "required"),
        (6, "事项名称", "length_between"),
    ]
    assert "01（行政许可）" in report.problems[1].message
    # Unknown columns may be ignored on purpose: then they are listed, and the rest still checked.
    allowed = checked(session, rows, allow_unknown_columns=True)
    assert allowed.ignored_columns == ["备注栏"] and (
        1,
        "备注栏",
        "unknown_column",
    ) not in problems(allowed)


def test_missing_and_doubled_columns_stop_before_the_rows(session, departments):
    missing = dry_run(
        session, SERVICE, xlsx([["事项名称", "实施主体"], ["甲", departments[0].name]])
    )
    # 办件类型 may be left out: its items are 未填报, not refused
    assert problems(missing) == [(1, "事项类型", "missing_column")]
    assert missing.rows == 1 and missing.valid == 0
    doubled = dry_run(
        session,
        SERVICE,
        xlsx(
            [
                ["事项名称", "事项类型", "实施主体", "实施部门", "办件类型"],
                ["甲", "01", "a", "b", "1"],
            ]
        ),
    )
    assert problems(doubled) == [(1, "实施部门", "duplicate_column")]


def test_a_title_row_above_the_header_and_headers_with_marks(session, departments):
    rows = [
        ["某区政务服务事项实施清单（2024年版）"],
        [],
        [
            "*事项名称",
            "事项类型\n（代码）",
            "实施主体(必填)",
            "办件 类型",
            "承诺办结时限（工作日）",
        ],
        ["甲", "01", departments[0].name, "2", 5],
    ]
    instructions = {
        "填表说明": [["填表说明"], ["1. 事项名称、事项类型、实施主体、办件类型为必填项。"]]
    }
    report = commit_import(session, SERVICE, xlsx(rows, before=instructions), filename="a.xlsx")
    assert report.ok and report.created == 1, report.problems
    assert report.worksheet == "清单"
    item = session.scalar(select(ServiceItem).where(ServiceItem.name == "甲"))
    assert (item.promised_time_limit, item.promised_time_unit) == (5, "W")


def test_duplicates_within_the_file_and_against_the_database(session, departments):
    department = departments[0]
    code = department.uscc + "4" + "000104002000"
    factories.service_item(session, department.id, local_code="L-1")
    header = [
        "事项名称",
        "事项类型",
        "实施主体",
        "办件类型",
        "承诺办结时限",
        "基本编码",
        "实施编码",
        "地方编码",
    ]
    rows = [
        header,
        ["甲", "01", department.name, "2", 5, 104002000, code, "L-2"],  # 基本编码 typed as a number
        [
            "乙",
            "01",
            department.name,
            "2",
            5,
            "000104002000",
            code,
            "L-3",
        ],  # same 实施编码 as row 2
        [
            "丙",
            "01",
            department.name,
            "2",
            5,
            None,
            None,
            "L-1",
        ],  # same 地方编码 as a row in the database
        ["丁", "01", department.name, "2", 5, None, None, "L-2"],  # same 地方编码 as row 2
    ]
    report = checked(session, rows)
    assert problems(report) == [
        (3, "实施编码", "duplicate_in_file"),
        (4, "地方编码", "duplicate"),
        (5, "地方编码", "duplicate_in_file"),
    ]
    assert "第 2 行" in report.problems[0].message
    # Against the database, a unique field is checked by crud.create_row itself.
    factories.service_item(
        session, department.id, catalog_code="000104002000", implementation_code=code
    )
    again = checked(session, rows[:2])
    assert problems(again) == [(2, "实施编码", "duplicate")]


def test_department_references_agree_and_are_never_created(session, departments):
    region_id = departments[0].region_id
    other_region = factories.region(session)
    twin = factories.department(session, other_region.id, name=departments[0].name)
    orgs = count(session, Organization)
    header = ["事项名称", "事项类型", "实施主体", "实施主体编码", "办件类型", "承诺办结时限"]
    rows = [
        header,
        ["甲", "01", departments[0].name, None, "2", 5],  # two departments of that name
        ["乙", "01", departments[0].name, twin.uscc, "2", 5],  # the code decides
        ["丙", "01", departments[1].name, departments[0].uscc, "2", 5],  # name and code disagree
        ["丁", "01", "区不存在局", None, "2", 5],
        ["戊", "01", None, "12345", "2", 5],  # not a USCC
    ]
    assert problems(checked(session, rows)) == [
        (2, "实施主体", "ambiguous_reference"),
        (4, "实施主体编码", "conflicting_columns"),
        (5, "实施主体", "unknown_reference"),
        (6, "实施主体编码", "uscc_format"),
    ]
    within_region = checked(session, rows[:2], region_id=region_id)
    assert within_region.ok
    assert count(session, Organization) == orgs


# -- CSV -----------------------------------------------------------------------------------------

CSV_ROWS = [
    [*factories.SERVICE_ITEM_HEADERS, "必须现场办理原因", "服务对象"],
    [
        "（市级/县级）企业投资项目备案",
        "其他行政权力",
        "{dept}",
        "承诺件",
        "20个工作日",
        "5个工作日",
        "1",
        "须现场核验原件",
        "法人",
    ],
    ["=恶意公式样的名称", "公共服务", "{dept}", "即办件", "", "0", "0", "", "个人"],
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(session, departments, encoding):
    rows = [[cell.replace("{dept}", departments[2].name) for cell in row] for row in CSV_ROWS]
    data = csv_bytes(rows, encoding)
    report = commit_import(session, SERVICE, data, filename="事项.csv")
    assert report.ok and report.created == 2, report.problems
    item = session.scalar(
        select(ServiceItem).where(ServiceItem.name == "（市级/县级）企业投资项目备案")
    )
    assert (
        item.item_type,
        item.department_id,
        item.legal_time_limit,
        item.promised_time_limit,
    ) == ("10", departments[2].id, 20, 5)
    assert item.service_objects == ["2", "3", "4"] and item.onsite_reason == "须现场核验原件"


def test_csv_from_excel_unicode_text_and_tabs(session, departments):
    rows = [[cell.replace("{dept}", departments[2].name) for cell in row] for row in CSV_ROWS]
    text = "\r\n".join("\t".join(row) for row in rows)
    report = dry_run(session, SERVICE, text.encode("utf-16"), filename="事项.txt")
    assert report.ok and report.valid == 2, report.problems


# -- export, and back ----------------------------------------------------------------------------


def _comparable(spec: registry.ListSpec, row: Any) -> dict[str, Any]:
    dumped = spec.snapshot(row)
    for name in ("id", "version", "created_at", "updated_at"):
        dumped.pop(name)
    dumped["fees"] = [{k: v for k, v in fee.items() if k != "id"} for fee in dumped["fees"]]
    return dumped


def _varied_items(session, departments) -> list[ServiceItem]:
    department = departments[0]
    street = factories.township(session, department.region_id, name="东街街道")
    make = factories.service_item
    return [
        make(session, department.id),
        make(
            session,
            department.id,
            name="=1+1 公证事项",
            catalog_code="000104002000",
            implementation_code=department.uscc + "5" + "000104002000",
            local_code="511A0138000000",
            legal_time_limit=30,
            legal_time_unit="N",
            promised_time_limit=10,
            promised_time_unit="N",
            onsite_visits=1,
            onsite_reason="须现场核验",
            is_charged=True,
            charge_basis="财政部文件",
            fees=[{"name": "工本费"}],
            service_objects=["1", "2"],
            channels=["1", "2"],
            aliases=["办证", "证明"],
            themes=["婚姻登记"],
            effective_on="2021-04-01",
            status="published",
            online_url="https://example.gov.cn/a",
            body_nature="1",
            power_source="5",
            entrusting_department="市民政局",
            handling_unit="审批科",
            township_id=street.id,
            exercise_level="5",
            service_scope="1",
            place="政务服务中心2楼",
            result_name="公证书",
            result_sample_url="https://example.gov.cn/samples/gzs.pdf",
        ),
        make(
            session,
            department.id,
            case_type="1",
            promised_time_limit=0,
            item_type="20",
            status="suspended",
        ),
        make(session, departments[1].id),  # another department: filtered out below
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_gives_the_same_rows(session, client, departments, fmt, monkeypatch):
    monkeypatch.setattr(
        list_export, "EXPORT_BATCH", 2
    )  # the rows cross a batch: each row is let go once written
    items = _varied_items(session, departments)
    exported_items = [i for i in items if i.department_id == departments[0].id]
    before = sorted((_comparable(SERVICE, i) for i in exported_items), key=lambda d: d["name"])

    response = client.get(
        f"/api/v1/service-items/export?format={fmt}&department_id={departments[0].id}"
    )
    assert response.status_code == 200
    assert response.mimetype == tabular_files.MIMETYPES[fmt].split(";")[0]
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        lines = data.decode("utf-8-sig").splitlines()
        assert lines[0].split(",")[:3] == ["事项名称", "事项类型", "实施主体"] and len(lines) == 4
        assert any(line.startswith("'=1+1") for line in lines)  # not a formula in Excel
    else:
        table = read_xlsx(data)
        assert table[0][:3] == ["事项名称", "事项类型", "实施主体"] and len(table) == 4
        assert "=1+1 公证事项" in [row[0] for row in table]

    for item in exported_items:  # published rows are never deleted by a use case: clear them here
        session.delete(item)
    session.flush()
    report = commit_import(session, SERVICE, data, filename=f"export.{fmt}")
    assert report.ok and report.created == len(exported_items), report.problems
    after_rows = session.scalars(
        select(ServiceItem).where(ServiceItem.department_id == departments[0].id)
    ).all()
    after = sorted((_comparable(SERVICE, i) for i in after_rows), key=lambda d: d["name"])
    assert after == before


def test_export_takes_the_list_filters_and_refuses_bad_ones(session, client, departments):
    _varied_items(session, departments)
    published = client.get("/api/v1/service-items/export?format=csv&status=published")
    lines = published.data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "公证事项" in lines[1]
    bad = client.get("/api/v1/service-items/export?format=pdf")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_failed"
    assert "format" in bad.json["error"]["fields"]
    assert client.get("/api/v1/regions/export").status_code == 404


@pytest.mark.parametrize("sheet_name", sorted(SHEETS))
def test_every_sheet_exports_headers_that_import_reads_back(session, client, sheet_name):
    response = client.get(f"/api/v1/{sheet_name}/export?format=xlsx")
    assert response.status_code == 200
    headers = read_xlsx(response.data)[0]
    assert headers == [column.header for column in SHEETS[sheet_name].columns]
    report = dry_run(session, SHEETS[sheet_name].spec, response.data, filename="x.xlsx")
    assert report.ok and report.rows == 0


def test_power_devolved_and_supervision_sheets_import(session, departments):
    department = departments[0]
    street = factories.township(session, department.region_id, name="北街街道")
    # fmt: off
    power_rows = [
        ["序号", "职权编码", "职权名称", "子项名称", "权力类型", "设定依据", "行使主体", "承办科室",
         "责任事项(内容)", "追责情形", "备注", "状态"],
        [1, "XK-001", "食品经营许可", "新办", "行政许可", "《食品安全法》第三十五条",
         department.name, "审批科", "受理、审查、决定", "违法审批", "无", "已发布"],
        [2, "CF-001", "对无证经营的处罚", None, 2, "《食品安全法》第一百二十二条",
         department.uscc, None, "立案、调查", None, None, None],
        [3, "XX-001", "某事项", None, "行政调皮", None, department.name, None, None, None, None,
         None],
    ]
    # fmt: on
    power = commit_import(session, registry.POWER_ITEMS, xlsx(power_rows), filename="权责.xlsx")
    assert problems(power) == [(4, "权力类型", "unknown_power_type")]
    # The two good rows again, with only the columns from 职权编码 to 行使主体.
    required_only = [row[1:7] for row in power_rows[:3]]
    power = commit_import(session, registry.POWER_ITEMS, xlsx(required_only), filename="权责.xlsx")
    assert power.ok and power.created == 2, power.problems

    batch = factories.make(
        session,
        registry.DEVOLUTION_BATCHES,
        title="关于下放一批区级职权的决定",
        document_number="某府〔2021〕1号",
        region_id=department.region_id,
    )
    # the headers, and a row that both imports of 下放事项 below read
    devolved_headers = [
        "事项名称",
        "文号",
        "原实施部门",
        "下放方式",
        "承接镇街",
        "职权编码",
        "实施时间",
        "委托部门",
    ]
    entrusted = [
        "对无证经营的处罚",
        "某府〔2021〕1号",
        department.name,
        "委托",
        "北街街道",
        "CF-001",
        "2021/7/1",
        department.name,
    ]

    def import_devolved(*rows: list[Any]) -> ImportReport:
        sheet = xlsx([devolved_headers, entrusted, *rows])
        return commit_import(session, registry.DEVOLVED_ITEMS, sheet, filename="下放.xlsx")

    unknown_street = [
        "对无照经营的处罚",
        batch.title,
        department.name,
        "下放",
        "北街街道、不存在街道",
    ]
    devolved = import_devolved([*unknown_street, None, None, None])
    assert problems(devolved) == [(3, "承接镇街", "unknown_reference")]
    assert devolved.created == 0

    supervision = commit_import(
        session,
        registry.SUPERVISION_ITEMS,
        xlsx(
            [
                [
                    "监管事项编码",
                    "主项名称",
                    "子项名称",
                    "主项编码",
                    "监管类型",
                    "监管部门",
                    "监管层级",
                    "是否双随机抽查事项",
                    "认领状态",
                ],
                [
                    "44530200600001",
                    "食品经营检查",
                    None,
                    None,
                    "行政检查",
                    department.name,
                    "县级、市级",
                    "是",
                    "已认领",
                ],
                [
                    44530200600002,
                    "食品经营检查",
                    "餐饮服务",
                    "44530200600001",
                    "06",
                    department.name,
                    "4",
                    "否",
                    "未认领",
                ],
            ]
        ),
        filename="监管.xlsx",
    )
    assert supervision.ok and supervision.created == 2, supervision.problems
    child = session.scalar(
        select(registry.SUPERVISION_ITEMS.model).where(
            registry.SUPERVISION_ITEMS.model.code == "44530200600002"
        )
    )
    assert child.parent_id is not None and child.levels == ["4"] and not child.claimed

    devolved = import_devolved()  # the entrusted row alone
    assert devolved.ok and devolved.created == 1, devolved.problems
    item = session.scalar(select(registry.DEVOLVED_ITEMS.model))
    assert (item.batch_id, item.mode, item.receiver_ids, str(item.effective_on)) == (
        batch.id,
        "entrust",
        [street.id],
        "2021-07-01",
    )

    # Each list exported and read back: every row is found again, as a duplicate of itself.
    for spec, created in (
        (registry.POWER_ITEMS, 2),
        (registry.DEVOLVED_ITEMS, 1),
        (registry.SUPERVISION_ITEMS, 2),
    ):
        exported = list_export.export_list(session, spec, {"format": "xlsx"}, OPERATOR).file.read()
        again = dry_run(session, spec, exported, filename="x.xlsx")
        assert again.rows == created
        assert {p.code for p in again.problems} == {"duplicate"} and len(
            again.problems
        ) == created, again.problems


# -- 广安区: the real catalog as a portal-style sheet --------------------------------------------


def guangan_sheet(items: list[dict[str, Any]]) -> bytes:
    """The portal's columns (部门, 事项名称, 事项类型 as its numeric codes, 事项编码) plus what the
    portal does not publish and the schema requires, as seed/guangan.py records it (承诺件)."""
    rows: list[list[Any]] = [
        ["部门", "主项名称", "事项名称", "事项类型", "事项编码", "办件类型", "状态"]
    ]
    for item in items:
        main = item["main_item"].strip()
        rows.append(
            [
                item["department"],
                None if main == "未分类" else main,
                item["name"],
                int(item["task_type"]),
                item["item_code"],
                "承诺件",
                "已发布",
            ]
        )
    return xlsx(rows)


@pytest.mark.slow
def test_the_guangan_catalog_imports_whole_once_its_departments_exist(session):
    items = load_items()
    data = guangan_sheet(items)
    region = factories.region(session, code="511602", name="广安区")
    codes = department_codes(items)
    assert len(codes) == 34
    left_out = "区经信局"
    for name, uscc in codes.items():
        if name != left_out:
            factories.department(session, region.id, name=name, uscc=uscc)
    orgs = count(session, Organization)

    # 主项名称 is not a column of the 实施清单: reported, or ignored on request and listed.
    first = dry_run(session, SERVICE, data, filename="广安区.xlsx", region_id=region.id)
    assert (1, "主项名称", "unknown_column") in problems(first)
    lenient = {"filename": "广安区.xlsx", "region_id": region.id, "allow_unknown_columns": True}
    check = dry_run(session, SERVICE, data, **lenient)
    missing_rows = [i + 2 for i, item in enumerate(items) if item["department"] == left_out]
    assert problems(check) == [(row, "部门", "unknown_reference") for row in missing_rows]
    assert check.ignored_columns == ["主项名称"] and count(session, Organization) == orgs

    factories.department(session, region.id, name=left_out, uscc=codes[left_out])
    report = commit_import(session, SERVICE, data, **lenient)
    assert report.ok and report.created == len(items) == 1135, report.problems[:5]
    imported = session.scalars(
        select(ServiceItem)
        .join(Organization, ServiceItem.department_id == Organization.id)
        .where(Organization.region_id == region.id)
    ).all()
    assert len(imported) == 1135
    assert Counter(i.item_type for i in imported) == Counter(
        item["task_type"].zfill(2) for item in items
    )
    assert {i.local_code for i in imported} == {item["item_code"] for item in items}
    assert count(session, Organization) == orgs + 1


# -- API -----------------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str, list_name: str = "service-items", **query: Any):
    return client.post(
        f"/api/v1/{list_name}/import",
        query_string=query,
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def small_sheet(departments, bad: bool = False) -> bytes:
    rows = [
        [
            "事项名称",
            "事项类型",
            "实施主体",
            "办件类型",
            "承诺办结时限",
            "到办事现场次数",
            "必须现场办理原因",
        ]
    ]
    rows += [[f"事项{i}", "01", departments[0].name, "承诺件", 5, 0, None] for i in range(3)]
    if bad:
        rows[2][5] = 2
    return xlsx(rows)


def test_api_dry_run_refusal_and_commit(session, client, departments):
    before = count(session, ServiceItem)
    dry = upload(client, small_sheet(departments, bad=True), "事项.xlsx")
    assert dry.status_code == 200
    assert dry.json["rows"] == 3 and dry.json["created"] == 0 and dry.json["dry_run"] is True
    assert dry.json["problems"] == [
        {
            "row": 3,
            "column": "必须现场办理原因",
            "code": "onsite_reason_required",
            "message": "到办事现场次数大于0时，须填写必须现场办理的原因。",
        },
    ]
    refused = upload(client, small_sheet(departments, bad=True), "事项.xlsx", dry_run="false")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "import_refused" and len(refused.json["problems"]) == 1
    assert count(session, ServiceItem) == before

    done = upload(client, small_sheet(departments), "事项.xlsx", dry_run="false")
    assert done.status_code == 200 and done.json["created"] == 3 and done.json["problems"] == []
    assert count(session, ServiceItem) == before + 3
    listed = client.get(f"/api/v1/service-items?department_id={departments[0].id}").json
    assert listed["total"] == 3


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "status", "code"),
    [
        (b"", "empty.xlsx", 400, "empty_file"),
        (b"   \r\n", "blank.csv", 400, "empty_file"),
        (os.urandom(200_000), "garbage.xlsx", 400, "unreadable_file"),
        (b"PK\x03\x04" + os.urandom(5000), "truncated.xlsx", 400, "unreadable_file"),
        (_zip_without_workbook(), "other.xlsx", 400, "unreadable_file"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(1000),
            "old.xls",
            400,
            "unsupported_format",
        ),
        (b"%PDF-1.4 ...", "scan.pdf", 400, "unsupported_format"),
        (b"\x80\x81\xff,\xfe\n1,2\n", "latin.csv", 400, "unknown_encoding"),
        (b"a,b\x00c\n", "binary.csv", 400, "unreadable_file"),
        ("姓名,年龄\n张三,30\n".encode(), "people.csv", 422, "header_not_found"),
        (os.urandom(20 * 1024 * 1024), "huge.xlsx", 413, "payload_too_large"),
    ],
)
def test_api_bad_files_answer_a_chinese_json_error(client, data, filename, status, code):
    response = upload(client, data, filename)
    assert response.status_code == status, response.data[:300]
    error = response.json["error"]
    assert error["code"] == code and error["status"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])


def test_a_forged_sheet_dimension_pads_no_row():
    """<dimension ref="A1:XFD500"> over rows of two cells: read-only openpyxl would pad every row
    to 16,384 cells (20,000 such rows took 2.4 GB)."""
    table = tabular_files.read_file(hostile_files.forged_dimension(500), "forged.xlsx")
    assert len(table.rows) == 501 and max(len(cells) for _, cells in table.rows) == 2


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: hostile_files.value_beyond_the_columns(300), "too_many_columns"),
        (
            lambda: hostile_files.empty_cell_at_xfd(20_000),
            "too_many_columns",
        ),  # refused at its first row
        (lambda: hostile_files.zip_bomb(400), "file_too_large"),
        (
            lambda: csv_bytes(
                [["事项名称"], *([f"事项{i}"] for i in range(tabular_files.MAX_ROWS + 10))]
            ),
            "too_many_rows",
        ),
    ],
)
def test_api_refuses_workbooks_beyond_the_bounds(client, make, code):
    data = make()
    response = upload(client, data, "hostile.xlsx" if data[:2] == b"PK" else "hostile.csv")
    assert response.status_code == 400, response.data[:300]
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_file_of_more_cells_than_the_budget_is_refused(client, monkeypatch, fmt):
    monkeypatch.setattr(tabular_files, "MAX_CELLS", 100)
    rows = [["事项名称", "实施主体"], *([f"事项{i}", "区民政局"] for i in range(60))]  # 122 cells
    data = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)
    response = upload(client, data, f"cells.{fmt}")
    assert response.status_code == 400 and response.json["error"]["code"] == "too_many_cells"
    assert upload(client, xlsx(rows[:40]), "fits.xlsx").status_code == 200


def test_api_upload_without_a_file_or_to_a_list_without_a_sheet(client):
    missing = client.post(
        "/api/v1/service-items/import", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and "file" in missing.json["error"]["fields"]
    as_json = client.post("/api/v1/service-items/import", json={"file": "x"})
    assert as_json.status_code == 422
    assert upload(client, b"a,b\n", "x.csv", list_name="regions").status_code in (404, 405)


def test_api_figures_export(session, client, departments):
    factories.service_item(session, departments[0].id, status="published")
    factories.service_item(
        session, departments[1].id, status="published", case_type="1", promised_time_limit=0
    )
    as_csv = client.get(
        f"/api/v1/stats/export?format=csv&region_id={departments[0].region_id}&rule=DOWN"
    )
    assert as_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0] == FIGURE_HEADERS
    instant = [r for r in rows if r[1] == "即办件占比"]
    assert [r[0] for r in instant][:1] == ["全部"] and (instant[0][2], instant[0][3]) == ("1", "2")
    assert {r[0] for r in instant[1:]} == {d.name for d in departments[:2]}  # those with items
    as_xlsx = client.get(
        f"/api/v1/stats/export?region_id={departments[0].region_id}&as_of=2030-01-01"
    )
    assert as_xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(as_xlsx.data), read_only=True)
    assert workbook.sheetnames == ["统计数字", "各部门"]
    workbook.close()
    assert client.get("/api/v1/stats/export?rule=ROUND").status_code == 422


# -- CLI -----------------------------------------------------------------------------------------


def test_cli_import_prints_problems_and_exits_1_then_commits(
    app, session, departments, tmp_path: Path
):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(small_sheet(departments, bad=True))
    result = runner.invoke(args=["import", "service-items", str(bad)])
    assert result.exit_code == 1, result.output
    assert "onsite_reason_required" in result.output and "必须现场办理原因" in result.output
    assert count(session, ServiceItem) == 0

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([list(row) for row in read_xlsx(small_sheet(departments))]))
    result = runner.invoke(
        args=["import", "service-items", str(good), "--commit", "--actor", "张三"]
    )
    assert result.exit_code == 0, result.output
    assert "已导入 3 行" in result.output
    assert (
        count(session, ChangeRecord, ChangeRecord.actor == "张三", ChangeRecord.source == "import")
        == 3
    )

    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    result = runner.invoke(args=["import", "service-items", str(garbage)])
    assert result.exit_code != 0 and "unreadable_file" in result.output


def test_cli_export_list_and_figures(app, session, departments, tmp_path: Path):
    factories.service_item(session, departments[0].id, status="published")
    factories.service_item(session, departments[1].id)
    runner = app.test_cli_runner()
    target = tmp_path / "items.csv"
    result = runner.invoke(
        args=[
            "export",
            "service-items",
            str(target),
            "--filter",
            f"department_id={departments[0].id}",
        ]
    )
    assert result.exit_code == 0, result.output
    assert len(target.read_bytes().decode("utf-8-sig").splitlines()) == 2
    result = runner.invoke(
        args=["export", "service-items", str(target), "--filter", "department_id=abc"]
    )
    assert result.exit_code != 0 and "department_id" in result.output
    figures = tmp_path / "figures.xlsx"
    result = runner.invoke(args=["export", "figures", str(figures), "--rule", "DOWN"])
    assert result.exit_code == 0, result.output
    assert read_xlsx(figures.read_bytes())[0] == FIGURE_HEADERS
