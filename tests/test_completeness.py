"""Completeness as a figure (实施清单要素完整率, 检查实施清单完备度 …): counted live and as of any
date, per department, with the rows behind it; the department's workbook filled in and imported
back through the workflow; and the 10-character 基本编码 accepted with a warning by both checks."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from catalog.models import ChangeRecord, Organization, Revision, ServiceItem
from catalog.models.elements import ELEMENTS, unfilled_mask
from catalog.models.figure_facts import rebuild_figure_facts
from catalog.services import completeness
from catalog.services.codes import catalog_code_problem, implementation_code_problems
from catalog.services.completeness_sheets import import_workbook
from catalog.services.facts import Scope
from catalog.services.history import rows_as_of
from catalog.services.permissions import Actor
from catalog.services.row_import import import_file
from catalog.services.tabular_files import Table, write_xlsx
from tests import factories
from tests.conftest import token_client

REQUIRED = completeness.requirements()["service_item"]


def _complete_item(session, department_id: int, **overrides):
    law = factories.legal_basis(session, f"法律{random.random()}")
    data = {
        "status": "published",
        "case_type": "2",
        "legal_time_limit": 20,
        "promised_time_limit": 5,
        "onsite_visits": 0,
        "is_charged": False,
        "materials": [],
        "service_objects": ["1"],
        "channels": ["1"],
        "place": "政务服务中心",
        "office_hours": "工作日",
        "consult_phone": "12345",
        "supervision_phone": "12345",
        "legal_basis_ids": [law.id],
        "acceptance_conditions": "材料齐全",
        "process": "受理—决定",
        **overrides,
    }
    return factories.service_item(session, department_id, **data)


def _bare_item(session, department_id: int, name: str, **data):
    """A 实施清单 row with its name and type only: every required element 未填报."""
    return factories.make(
        session,
        factories.registry.SERVICE_ITEMS,
        name=name,
        item_type="01",
        department_id=department_id,
        **data,
    )


def _figure(lists: list[dict], entity_type: str = "service_item") -> dict:
    return next(f for f in lists if f["list"] == entity_type)


def test_the_required_elements_are_data_and_a_typo_is_an_error(tmp_path: Path):
    assert [e.key for e in REQUIRED.elements][:3] == [
        "case_type",
        "legal_time_limit",
        "promised_time_limit",
    ]
    broken = tmp_path / "required.toml"
    broken.write_text(
        '[service_item]\nlabel = "x"\nfigure = "y"\nrequired = ["case_typ"]\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="case_typ"):
        completeness.requirements(broken)


def test_complete_rows_and_the_rows_missing_each_element(client, session, department):
    _complete_item(session, department.id)
    _complete_item(session, department.id, office_hours=None, onsite_visits=None)
    _bare_item(session, department.id, "普通护照签发", status="published")
    _complete_item(
        session, department.id, status="draft", place=None
    )  # not published: out of scope
    body = client.get(f"/api/v1/stats/completeness?department_id={department.id}").json
    figure = _figure(body["lists"])
    assert (figure["numerator"], figure["denominator"], figure["display"]) == (1, 3, "33.33%")
    assert figure["label"] == "实施清单要素完整率" and figure["value"] == "1/3 = 0.333333333333"
    missing = {e["key"]: e["missing"] for e in figure["elements"]}
    assert missing["office_hours"] == 2 and missing["onsite_visits"] == 2 and missing["place"] == 1
    assert missing["materials"] == 1 and missing["case_type"] == 1

    rows = client.get(
        f"/api/v1/stats/completeness/service-items/rows?department_id={department.id}"
    ).json["rows"]
    assert len(rows) == 2
    passport = next(r for r in rows if r["name"] == "普通护照签发")
    assert {"到办事现场次数", "申请材料", "是否收费", "办理时间"} <= set(passport["missing"])
    only = client.get(
        f"/api/v1/stats/completeness/service-items/rows?department_id={department.id}&element=place"
    ).json
    assert [r["name"] for r in only["rows"]] == ["普通护照签发"]
    assert (
        client.get("/api/v1/stats/completeness/service-items/rows?element=nonsense").status_code
        == 422
    )
    assert client.get("/api/v1/stats/completeness/bundles/rows").status_code == 404

    table = client.get(
        f"/api/v1/stats/completeness/departments?region_id={department.region_id}"
    ).json
    assert (
        table[0]["department"] == department.name and _figure(table[0]["lists"])["numerator"] == 1
    )


def test_inspection_list_completeness_and_the_claim_rate(client, session, department):
    published = {"status": "published"}
    item = factories.supervision_item(
        session,
        department.id,
        main_name="对食品经营的监督检查",
        objects="食品经营者",
        basis_text="《食品安全法》",
        levels=["4"],
        **published,
    )
    factories.supervision_item(
        session, department.id, main_name="对广告的监督检查", claimed=False, **published
    )
    for n, method in enumerate(("现场检查", None)):
        factories.inspection_list(
            session,
            item.id,
            department.id,
            name=f"清单{n}",
            **published,
            check_objects="食品经营者",
            check_content="经营条件",
            check_method=method,
            check_basis="《食品安全法》",
            result_handling="依法处理",
        )
    lists = client.get(
        f"/api/v1/stats/completeness?department_id={department.id}&lists=inspection-lists"
    ).json["lists"]
    assert [(f["label"], f["numerator"], f["denominator"]) for f in lists] == [
        ("检查实施清单完备度", 1, 2)
    ]
    assert {e["key"]: e["missing"] for e in lists[0]["elements"]}["check_method"] == 1
    figures = {
        f["key"]: f
        for f in client.get(f"/api/v1/stats/figures?department_id={department.id}").json["figures"]
    }
    assert (
        figures["supervision_claim_rate"]["numerator"],
        figures["supervision_claim_rate"]["denominator"],
    ) == (1, 2)
    assert figures["supervision_items"]["numerator"] == 2


def test_completeness_as_of_a_date_equals_recounting_the_snapshots(session, department):
    """Random edits over time: the figure read from figure_facts at each moment equals the masks
    recomputed from the history's snapshots of that moment."""
    rng = random.Random(5)
    start = datetime(2021, 3, 1, tzinfo=UTC)
    moments = [start + timedelta(days=d) for d in range(0, 30, 3)]
    records = []
    for entity_id in range(1, 25):
        for number, moment in enumerate(sorted(rng.sample(moments, rng.randint(1, 4)))):
            after = {
                "department_id": department.id,
                "name": f"事项{entity_id}",
                "item_type": "01",
                "status": rng.choice(["published", "published", "draft"]),
                "case_type": rng.choice(["1", "2", None]),
                "onsite_visits": rng.choice([0, 1, None]),
                "onsite_reason": rng.choice([None, "核验"]),
                "materials": rng.choice([None, [], [{"name": "表"}]]),
                "place": rng.choice([None, "中心"]),
                "legal_time_limit": rng.choice([None, 20]),
                "legal_time_unit": "W",
                "is_charged": rng.choice([None, False]),
            }
            if rng.random() < 0.5:
                after["legal_no_limit"] = rng.random() < 0.5
            records.append(
                ChangeRecord(
                    entity_type="service_item",
                    entity_id=entity_id,
                    action="create" if number == 0 else "update",
                    actor="tests",
                    source="seed",
                    changed_at=moment,
                    after=after,
                )
            )
    session.add_all(records)
    session.flush()
    rebuild_figure_facts(session.connection())  # history loaded as records alone, as a bench does
    seen = set()
    for moment in [*moments, moments[-1] + timedelta(days=1)]:
        scope = Scope(department_id=department.id, as_of=moment)
        figure = completeness.completeness_figures(session, scope, lists=["service_item"])[0]
        snapshots = [
            s
            for s in rows_as_of(session, "service_item", moment)
            if s and s.get("status") == "published"
        ]
        masks = [unfilled_mask("service_item", s) for s in snapshots]
        assert figure["denominator"] == len(snapshots)
        assert figure["numerator"] == sum(1 for m in masks if not m & REQUIRED.mask)
        for element in figure["elements"]:
            bit = 1 << ELEMENTS["service_item"][element["key"]].bit
            assert element["missing"] == sum(1 for m in masks if m & bit), (moment, element)
        seen.add((figure["denominator"], tuple(e["missing"] for e in figure["elements"])))
    assert len(seen) > 3


def test_the_cli_prints_completeness(app, session, department):
    _bare_item(session, department.id, "普通护照签发", status="published")
    result = app.test_cli_runner().invoke(
        args=["stats", "completeness", "--department-id", str(department.id)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "实施清单要素完整率" in result.output
        and "0.00%" in result.output
        and "0/1" in result.output
    )
    assert "缺到办事现场次数：1" in result.output and "检查实施清单完备度" in result.output


def test_the_figures_page_shows_completeness_and_exact_values(
    anonymous_client, session, department
):
    _bare_item(session, department.id, "普通护照签发", status="published")
    page = anonymous_client.get(f"/figures?region_id={department.region_id}").get_data(as_text=True)
    assert "要素完整率" in page and "实施清单要素完整率" in page and "到办事现场次数 1" in page
    assert "精确值" in page and "全部未填报" in page and "导出待补充表格" in page


# -- the workbook round trip ---------------------------------------------------------------------


def _fill(data: bytes, values: dict[str, dict[str, object]]) -> bytes:
    """Fill the exported workbook as a department would: by item name and column header."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        name = row[headers.index("名称")].value
        for header, value in values.get(name, {}).items():
            row[headers.index(header)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_workbook_turns_unstated_into_facts_through_the_workflow(app, session, department):
    editor = token_client(app, session, "editor", department.id)
    reviewer = token_client(app, session, "reviewer", department.id)
    accounts = Actor(name="editor", role="editor", department_id=department.id)
    published = _bare_item(session, department.id, "普通护照签发", status="published")
    draft = _bare_item(session, department.id, "护照补发")
    passport_law = factories.legal_basis(
        session, "中华人民共和国护照法", document_number="主席令第五十号"
    )
    exported = editor.get(
        f"/api/v1/stats/completeness/service-items/export?department_id={department.id}"
    )
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.data)).worksheets[0].iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[:6] == ["编号", "版本", "名称", "部门", "状态", "缺少的要素"]
    assert {
        "办件类型",
        "到办事现场次数",
        "是否收费",
        "申请材料",
        "法定办结时限",
        "办理时间",
        "设定依据",
    } <= set(headers)
    passport = next(r for r in rows if r[2] == "普通护照签发")
    assert passport[headers.index("到办事现场次数")] == "未填报" and "申请材料" in passport[5]

    filled = _fill(
        exported.data,
        {
            "普通护照签发": {
                "到办事现场次数": 1,
                "必须现场办理原因": "须本人到场采集指纹",
                "是否收费": "是",
                "收费依据": "价费字〔2017〕1号",
                "收费项目": "护照工本费",
                "办件类型": "承诺件",
                "法定办结时限": 15,
                "承诺办结时限": 7,
                "申请材料": "居民身份证、近期证件照",
                "设定依据": "《中华人民共和国护照法》",
            },
            "护照补发": {
                "到办事现场次数": "0",
                "是否收费": "否",
                "申请材料": "无",
                "法定办结时限": "无期限",
                "办件类型": "即办",
                "承诺办结时限": "即办",
                "设定依据": "主席令第五十号",
            },
        },
    )
    checked = import_workbook(session, "service-items", filled, accounts, dry_run=True)
    assert checked.ok, checked.problems
    assert (checked.rows, checked.changed, checked.revisions) == (2, 1, 1)
    assert session.get(ServiceItem, draft.id).onsite_visits is None  # a dry run keeps nothing

    response = editor.post(
        "/api/v1/stats/completeness/service-items/import?dry_run=false",
        data={"file": (io.BytesIO(filled), "补充.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    assert (response.json["changed"], response.json["revisions"]) == (1, 1)
    session.expire_all()
    changed = session.get(ServiceItem, draft.id)
    assert (
        changed.onsite_visits,
        changed.is_charged,
        changed.materials_known,
        changed.materials,
    ) == (0, False, True, [])
    assert (
        changed.legal_no_limit is True
        and changed.case_type == "1"
        and changed.promised_time_limit == 0
    )
    assert changed.legal_basis_ids == [passport_law.id]  # named by its 文号
    # the published row is unchanged until its revision is approved
    assert session.get(ServiceItem, published.id).onsite_visits is None
    revision = session.scalar(select(Revision).where(Revision.entity_id == published.id))
    assert revision.state == "draft" and revision.data["onsite_visits"] == 1
    url = f"/api/v1/service-items/{published.id}"
    version = editor.get(url).headers["ETag"]
    assert editor.post(f"{url}/submit", json={}, headers={"If-Match": version}).status_code == 200
    approved = reviewer.post(f"{url}/approve", json={}, headers={"If-Match": version})
    assert approved.status_code == 200, approved.json
    body = approved.json
    assert (body["onsite_visits"], body["is_charged"], [m["name"] for m in body["materials"]]) == (
        1,
        True,
        ["居民身份证", "近期证件照"],
    )
    assert body["legal_basis_ids"] == [passport_law.id]  # named by its name, with 《》
    figure = _figure(
        editor.get(f"/api/v1/stats/completeness?department_id={department.id}").json["lists"]
    )
    missing = {e["key"]: e["missing"] for e in figure["elements"]}
    assert (
        missing["onsite_visits"] == 0 and missing["materials"] == 0 and missing["is_charged"] == 0
    )
    assert missing["legal_basis"] == 0


def test_a_workbook_with_a_problem_changes_nothing(session, department):
    accounts = Actor(name="editor", role="editor", department_id=department.id)
    item = _bare_item(session, department.id, "护照补发")
    other = _bare_item(session, department.id, "护照换发")
    headers = ["编号", "版本", "名称", "到办事现场次数", "是否收费", "设定依据"]
    data = write_xlsx(
        [
            Table(
                "补充",
                headers,
                [
                    [item.id, item.version, "护照补发", 0, "否", None],
                    [other.id, other.version, "护照换发", "两次", "否", None],
                    [other.id, 99, "护照换发", 1, "否", None],
                    [item.id, item.version, "护照补发", None, None, "《没有这部法》"],
                ],
            )
        ]
    )
    report = import_workbook(session, "service-items", data, accounts, dry_run=False)
    assert [(p.row, p.column, p.code) for p in report.problems] == [
        (3, "到办事现场次数", "invalid_integer"),
        (4, "编号", "stale_version"),
        (5, "设定依据", "unknown_reference"),
    ]
    assert "《没有这部法》" in report.problems[-1].message
    session.expire_all()
    assert session.get(ServiceItem, item.id).onsite_visits is None  # all or nothing


# -- 基本编码 of 10 characters: both checks, one rule, with a warning ------------------------------


def test_both_code_checks_accept_a_ten_character_catalog_code():
    body = factories.uscc(77)
    assert catalog_code_problem("0104002000", "01") is None
    assert implementation_code_problems(f"{body}4" + "0104002000", body, "4", "0104002000") == []
    assert implementation_code_problems(f"{body}4" + "000104002000", body, "4", "0104002000") == []
    wrong = implementation_code_problems(f"{body}4" + "0104002001", body, "4", "0104002000")
    assert [p.code for p in wrong] == ["implementation_code_catalog"]
    assert [
        p.code
        for p in implementation_code_problems(f"{body}4" + "0104002000", body, "4", "000104002000")
    ] == ["implementation_code_catalog"]


def test_a_ten_character_catalog_code_is_accepted_with_a_warning(
    client, anonymous_client, session, department
):
    code = f"{department.uscc}4" + "0104002000"
    created = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(
            department.id, catalog_code="0104002000", implementation_code=code, status="published"
        ),
    )
    assert created.status_code == 201, created.json
    assert [w["code"] for w in created.json["warnings"]] == [
        "catalog_code_legacy",
        "implementation_code_legacy",
    ]
    assert "旧版10位" in created.json["warnings"][0]["message"]
    assert (
        client.get(f"/api/v1/service-items/{created.json['id']}").json["warnings"]
        == created.json["warnings"]
    )
    page = anonymous_client.get(f"/items/service/{created.json['id']}").get_data(as_text=True)
    assert "数据提示" in page and "旧版10位" in page


def test_an_import_reports_warnings_beside_its_problems(session, department):
    data = write_xlsx(
        [
            Table(
                "实施清单",
                ["事项名称", "事项类型", "实施主体", "基本编码", "实施编码"],
                [
                    [
                        "测试许可",
                        "行政许可",
                        department.name,
                        "0104002000",
                        f"{department.uscc}4" + "0104002000",
                    ],
                ],
            )
        ]
    )
    report = import_file(
        session,
        factories.registry.SERVICE_ITEMS,
        data,
        filename="a.xlsx",
        actor=Actor.system("tests", "import"),
    )
    assert report.ok, report.problems
    assert [(w.row, w.column, w.code) for w in report.warnings] == [
        (2, "基本编码", "catalog_code_legacy"),
        (2, "实施编码", "implementation_code_legacy"),
    ]
    assert report.as_dict()["warnings"][0]["message"].startswith("基本编码为旧版10位")


def test_departments_of_the_completeness_table_are_those_of_the_scope(client, session, department):
    elsewhere = factories.department(session)
    _bare_item(session, elsewhere.id, "事项", status="published")
    _complete_item(session, department.id)
    table = client.get(
        f"/api/v1/stats/completeness/departments?region_id={department.region_id}"
    ).json
    assert [row["department_id"] for row in table] == [department.id]
    assert (
        session.scalar(select(Organization.region_id).where(Organization.id == elsewhere.id))
        != department.region_id
    )
