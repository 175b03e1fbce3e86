"""抽查任务 through the API: plan, commit, draw, verify, results and their publication, 回避; the
rules a task and a draw must keep; who may do what."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from catalog.models import ChangeRecord, DrawnTarget, RandomCheckTask
from catalog.services import draw_algorithm
from tests import factories
from tests.conftest import token_client
from tests.draw_fixtures import make_district, task_data


@pytest.fixture
def district(session):
    return make_district(session)


@pytest.fixture
def editor(app, session, district):
    return token_client(app, session, "editor", district.market.id)


def _etag(response) -> dict[str, str]:
    return {"If-Match": response.headers["ETag"]}


def _drawn(editor, district, witness: str = "监督员掷骰 6-2-5", **overrides):
    created = editor.post("/api/v1/random-check-tasks", json=task_data(district, **overrides))
    assert created.status_code == 201, created.json
    task_id = created.json["id"]
    committed = editor.post(f"/api/v1/random-check-tasks/{task_id}/commit", headers=_etag(created))
    assert committed.status_code == 200, committed.json
    drawn = editor.post(
        f"/api/v1/random-check-tasks/{task_id}/draw",
        json={"witness": witness},
        headers=_etag(committed),
    )
    assert drawn.status_code == 201, drawn.json
    return task_id, committed.json, drawn.json


def test_plan_commit_draw_reveals_the_committed_seed_and_reruns_identically(
    editor, district, anonymous_client
):
    task_id, committed, draw = _drawn(editor, district)
    assert committed["state"] == "committed" and len(committed["seed_commitment"]) == 64
    assert draw_algorithm.sha256_hex(draw["seed"]) == committed["seed_commitment"]
    assert (draw["pool_size"], draw["sample_size"]) == (20, 4)  # ceil(20 × 20%)
    assert [t["rank"] for t in draw["targets"]] == [1, 2, 3, 4]
    for target in draw["targets"]:
        assert [team["department"] for team in target["teams"]] == [
            "测试区市场监督管理局",
            "测试区卫生健康局",
        ]
        assert all(len(team["inspectors"]) == 2 for team in target["teams"])
    # anyone re-runs it from the published snapshot and seed once it is disclosed; staff now
    snapshot = editor.get(f"/api/v1/random-check-tasks/{task_id}/snapshot")
    assert draw_algorithm.sha256_hex(snapshot.get_data(as_text=True)) == draw["snapshot_sha256"]
    rerun = draw_algorithm.run(draw["parameters"], snapshot.json, draw["seed"], draw["witness"])
    assert [t["key"] for t in rerun["targets"]] == [t["key"] for t in draw["targets"]]
    verified = editor.get(f"/api/v1/random-check-tasks/{task_id}/verify").json
    assert verified["identical"] is True and all(verified["checks"].values())
    assert verified["directory"]["state"] == "identical"
    # the public sees the commitment and the counts, not who is to be inspected
    public = anonymous_client.get(f"/api/v1/random-check-tasks/{task_id}").json
    assert public["seed_commitment"] == committed["seed_commitment"] and public["sample_size"] == 4
    assert "seed" not in public
    hidden = anonymous_client.get(f"/api/v1/random-check-tasks/{task_id}/draw")
    assert hidden.status_code == 403 and hidden.json["error"]["code"] == "not_disclosed"
    assert anonymous_client.get(f"/api/v1/random-check-tasks/{task_id}/snapshot").status_code == 403


def test_every_step_is_in_the_audit_trail(editor, district, session):
    task_id, _committed, draw = _drawn(editor, district)
    actions = list(
        session.scalars(
            select(ChangeRecord.action)
            .where(
                ChangeRecord.entity_type == "random_check_task", ChangeRecord.entity_id == task_id
            )
            .order_by(ChangeRecord.id)
        )
    )
    assert actions == ["create", "commit", "draw"]
    records = {
        r.action: r
        for r in session.scalars(
            select(ChangeRecord).where(
                ChangeRecord.entity_id == task_id, ChangeRecord.entity_type == "random_check_task"
            )
        )
    }
    assert (
        records["commit"].after["seed"] is None
    )  # the secret stays out of the trail until the draw
    assert records["draw"].after["seed"] == draw["seed"]
    assert draw["result_sha256"] in records["draw"].note


def test_a_task_cannot_change_once_committed_nor_be_drawn_twice(editor, district):
    task_id, _committed, _draw = _drawn(editor, district)
    current = editor.get(f"/api/v1/random-check-tasks/{task_id}")
    again = editor.post(
        f"/api/v1/random-check-tasks/{task_id}/draw",
        json={"witness": "再抽"},
        headers=_etag(current),
    )
    assert again.status_code == 409
    edit = editor.patch(
        f"/api/v1/random-check-tasks/{task_id}",
        json={"ratio_percent": "30"},
        headers=_etag(current),
    )
    assert edit.status_code == 409


def test_results_are_recorded_then_published_and_only_published_ones_are_public(
    editor, district, anonymous_client, session
):
    task_id, _committed, draw = _drawn(editor, district)
    first, second = draw["targets"][0], draw["targets"][1]
    url = f"/api/v1/random-check-tasks/{task_id}/results"
    missing = editor.put(
        f"{url}/{first['drawn_target_id']}",
        json={"result": "rectified", "checked_on": draw["draw_date"]},
        headers={"If-Match": f'"{first["version"]}"'},
    )
    assert (
        missing.status_code == 422
        and missing.json["error"]["fields"]["handling"][0]["code"] == "handling_required"
    )
    recorded = editor.put(
        f"{url}/{first['drawn_target_id']}",
        json={
            "result": "rectified",
            "checked_on": draw["draw_date"],
            "handling": "责令当场整改，已复查",
        },
        headers={"If-Match": f'"{first["version"]}"'},
    )
    assert recorded.status_code == 200, recorded.json
    editor.put(
        f"{url}/{second['drawn_target_id']}",
        json={"result": "no_problem", "checked_on": draw["draw_date"]},
        headers={"If-Match": f'"{second["version"]}"'},
    )
    published = editor.post(
        f"/api/v1/random-check-tasks/{task_id}/publish",
        json={"drawn_target_ids": [first["drawn_target_id"]]},
    )
    assert published.status_code == 200 and published.json[0]["published_at"]
    public = anonymous_client.get(f"/api/v1/random-check-results?task_id={task_id}").json
    assert [r["target_name"] for r in public["items"]] == [first["name"]]
    assert public["items"][0]["result_label"] == "发现问题，已责令整改"
    page = anonymous_client.get(f"/random-checks/{task_id}")
    cells = re.findall(r"<td>([^<]*)</td>", page.text)  # names are 测试餐馆1 and 测试餐馆12 …
    assert page.status_code == 200 and first["name"] in cells and second["name"] not in cells
    changed = editor.put(
        f"{url}/{first['drawn_target_id']}",
        json={"result": "no_problem", "checked_on": draw["draw_date"]},
        headers={"If-Match": f'"{recorded.json["version"]}"'},
    )
    assert changed.status_code == 409  # what the public read is not silently changed
    # published already, and not recorded yet: both refused, nothing published
    again_and_unready = [first["drawn_target_id"], draw["targets"][2]["drawn_target_id"]]
    unready = editor.post(
        f"/api/v1/random-check-tasks/{task_id}/publish",
        json={"drawn_target_ids": again_and_unready},
    )
    codes = [e["code"] for e in unready.json["error"]["fields"]["drawn_target_ids"]]
    assert unready.status_code == 422 and codes == ["already_published", "no_result"]


def test_ratio_bounds_of_general_and_key_items(editor, district):
    above = editor.post("/api/v1/random-check-tasks", json=task_data(district, ratio_percent="60"))
    assert (
        above.status_code == 422
        and above.json["error"]["fields"]["ratio_percent"][0]["code"] == "above_cap"
    )
    below = editor.post("/api/v1/random-check-tasks", json=task_data(district, ratio_percent="3"))
    assert below.json["error"]["fields"]["ratio_percent"][0]["code"] == "below_floor"
    # a 重点检查事项 alone is uncapped
    health_editor_ok = editor.post("/api/v1/random-check-tasks", json=_key_item_only(district))
    assert (
        health_editor_ok.status_code == 403
    )  # the market's editor cannot plan the health bureau's task
    both = editor.post(
        "/api/v1/random-check-tasks",
        json=task_data(district, ratio_percent=None, sample_count=None),
    )
    assert both.json["error"]["fields"]["ratio_percent"][0]["code"] == "ratio_or_count"


def _key_item_only(district) -> dict:
    """The health bureau's task of its 重点检查事项 alone, at 100%: above any cap."""
    return task_data(
        district,
        ratio_percent="100",
        initiating_department_id=district.health.id,
        cooperating_department_ids=[],
        item_ids=[district.health_item.id],
    )


def test_key_items_take_no_cap(app, session, district):
    health = token_client(app, session, "editor", district.health.id)
    created = health.post("/api/v1/random-check-tasks", json=_key_item_only(district))
    assert created.status_code == 201, created.json
    item = health.get(f"/api/v1/random-check-items/{district.health_item.id}")
    capped = health.patch(
        f"/api/v1/random-check-items/{district.health_item.id}",
        json={"ratio_max": "10"},
        headers=_etag(item),
    )
    assert (
        capped.status_code == 422
        and capped.json["error"]["fields"]["ratio_max"][0]["code"] == "key_item_uncapped"
    )


def test_a_joint_task_needs_an_item_of_each_department(editor, district):
    response = editor.post(
        "/api/v1/random-check-tasks", json=task_data(district, item_ids=[district.market_item.id])
    )
    assert response.status_code == 422
    assert (
        response.json["error"]["fields"]["cooperating_department_ids"][0]["code"]
        == "department_without_item"
    )


def test_a_declared_conflict_keeps_the_inspector_away_and_the_replacement_is_recorded(
    app, session, district, editor
):
    first_id, _c, first = _drawn(editor, district, suffix=1)
    target = first["targets"][0]
    member = target["teams"][0]["inspectors"][0]
    inspector = next(
        i
        for i in district.inspectors[district.market.id]
        if i.certificate_number == member["certificate_number"]
    )
    target_id = session.get(DrawnTarget, target["drawn_target_id"]).target_id
    declared = editor.post(
        "/api/v1/inspector-conflicts",
        json={"inspector_id": inspector.id, "target_id": target_id, "reason": "配偶为该店股东"},
    )
    assert declared.status_code == 201, declared.json
    # the same seed and witness on a new task with the same parameters: only the code differs, so
    # the draw differs; draw the first task's parameters again through the algorithm instead
    stored = session.get(RandomCheckTask, first_id).draw
    snapshot = json.loads(stored.snapshot)
    snapshot["conflicts"] = [
        {
            "inspector": inspector.certificate_number,
            "target": target["key"],
            "reason": "配偶为该店股东",
        }
    ]
    rerun = draw_algorithm.run(
        json.loads(stored.parameters), snapshot, first["seed"], first["witness"]
    )
    team = next(
        t
        for t in rerun["teams"]
        if t["target"] == target["key"] and t["department"] == rerun["teams"][0]["department"]
    )
    assert inspector.certificate_number not in team["inspectors"]
    assert {"inspector": inspector.certificate_number, "reason": "conflict"}.items() <= rerun[
        "replacements"
    ][0].items()
    # and a new draw takes the declaration from the directory
    _second_id, _c2, second = _drawn(editor, district, suffix=2, ratio_percent="50")
    for drawn in second["targets"]:
        if drawn["key"] == target["key"]:
            assert inspector.certificate_number not in [
                p["certificate_number"] for t in drawn["teams"] for p in t["inspectors"]
            ]


def test_too_few_eligible_inspectors_refuse_the_draw_and_the_task_stays_committed(
    app, session, editor
):
    district = make_district(session, inspectors=1)
    created = editor.post("/api/v1/random-check-tasks", json=task_data(district))
    market_editor = token_client(app, session, "editor", district.market.id)
    created = market_editor.post("/api/v1/random-check-tasks", json=task_data(district))
    committed = market_editor.post(
        f"/api/v1/random-check-tasks/{created.json['id']}/commit", headers=_etag(created)
    )
    refused = market_editor.post(
        f"/api/v1/random-check-tasks/{created.json['id']}/draw", json={}, headers=_etag(committed)
    )
    assert refused.status_code == 422 and refused.json["error"]["code"] == "draw_refused"
    assert "不足 2 人" in refused.json["error"]["message"]
    assert (
        market_editor.get(f"/api/v1/random-check-tasks/{created.json['id']}").json["state"]
        == "committed"
    )


def test_another_department_cannot_plan_draw_or_record(app, session, district, editor):
    task_id, _committed, draw = _drawn(editor, district)
    outsider_department = make_district(session).market
    outsider = token_client(app, session, "editor", outsider_department.id)
    assert (
        outsider.post("/api/v1/random-check-tasks", json=task_data(district, suffix=9)).status_code
        == 403
    )
    target = draw["targets"][0]
    record = outsider.put(
        f"/api/v1/random-check-tasks/{task_id}/results/{target['drawn_target_id']}",
        json={"result": "no_problem", "checked_on": draw["draw_date"]},
        headers={"If-Match": '"1"'},
    )
    assert record.status_code == 403
    assert outsider.get(f"/api/v1/random-check-tasks/{task_id}/draw").status_code == 403
    # the cooperating department records results of the joint task
    health = token_client(app, session, "editor", district.health.id)
    ok = health.put(
        f"/api/v1/random-check-tasks/{task_id}/results/{target['drawn_target_id']}",
        json={"result": "no_problem", "checked_on": draw["draw_date"]},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.json


def test_the_draw_exports_as_a_workbook(editor, district):
    import io

    from openpyxl import load_workbook

    task_id, _committed, draw = _drawn(editor, district)
    response = editor.get(f"/api/v1/random-check-tasks/{task_id}/export?format=xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["抽取结果", "回避与替换", "抽取信息"]
    rows = list(workbook["抽取结果"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [t["name"] for t in draw["targets"]]
    facts = dict(workbook["抽取信息"].iter_rows(values_only=True))
    assert facts["种子"] == draw["seed"] and facts["抽取结果 SHA-256"] == draw["result_sha256"]


# -- the console ------------------------------------------------------------------------------


def _signed_in(app, session, username: str, role: str, department_id=None):
    from tests.test_accounts_and_audit import sign_in

    factories.user(session, username, role, department_id)
    browser = app.test_client()
    assert sign_in(browser, username).status_code == 302
    return browser


def _post(browser, url: str, data: dict) -> object:
    from tests.test_accounts_and_audit import csrf_token

    return browser.post(
        url, data={**data, "csrf_token": csrf_token(browser, "/console/random-checks")}
    )


def test_a_department_plans_draws_records_and_publishes_from_the_console(app, session, district):
    browser = _signed_in(app, session, "market-editor", "editor", district.market.id)
    listing = browser.get("/console/random-checks")
    assert listing.status_code == 200 and "新建抽查任务" in listing.text
    form = {
        "code": "CONSOLE-1",
        "name": "控制台联合抽查",
        "year": "2026",
        "initiating_department_id": str(district.market.id),
        "cooperating_department_ids": str(district.health.id),
        "item_ids": [str(district.market_item.id), str(district.health_item.id)],
        "industries": "餐饮服务",
        "ratio_percent": "20",
        "window_start": "2026-01-01",
        "window_end": "2099-12-31",
        "inspectors_per_department": "2",
        "publish_within_days": "20",
    }
    created = _post(browser, "/console/random-checks", form)
    assert created.status_code == 303, created.text
    task = session.scalars(select(RandomCheckTask).where(RandomCheckTask.code == "CONSOLE-1")).one()
    url = f"/console/random-checks/{task.id}"
    assert _post(browser, f"{url}/commit", {"version": str(task.version)}).status_code == 303
    session.expire_all()
    assert (
        _post(
            browser, f"{url}/draw", {"version": str(task.version), "witness": "掷骰 1-2-3"}
        ).status_code
        == 303
    )
    session.expire_all()
    assert task.state == "drawn" and task.draw.witness == "掷骰 1-2-3"
    page = browser.get(url)
    assert "重新抽取逐字节一致" in page.text and task.drawn_targets[0].target_name in page.text
    first = task.drawn_targets[0]
    recorded = _post(
        browser,
        f"{url}/results/{first.id}",
        {
            "version": str(first.version),
            "result": "no_problem",
            "checked_on": task.draw.draw_date.isoformat(),
        },
    )
    assert recorded.status_code == 303
    assert _post(browser, f"{url}/publish", {"drawn_target_ids": str(first.id)}).status_code == 303
    session.expire_all()
    assert first.result == "no_problem" and first.published_at is not None
    # a problem is shown on the page, not as a 500
    refused = _post(
        browser,
        f"{url}/results/{task.drawn_targets[1].id}",
        {"version": "1", "result": "case_filed"},
    )
    assert refused.status_code == 303
    assert "须填写处理情况" in browser.get(url).text
    workbook = browser.get(f"{url}/export?format=csv")
    assert workbook.status_code == 200 and first.target_name in workbook.data.decode("utf-8-sig")


def test_bad_form_input_is_reported_in_chinese(app, session, district):
    browser = _signed_in(app, session, "market-editor2", "editor", district.market.id)
    response = _post(
        browser,
        "/console/random-checks",
        {"code": "X", "name": "坏", "year": "abc", "ratio_percent": "150"},
    )
    assert response.status_code == 303
    page = browser.get("/console/random-checks").text
    assert "提交的数据未通过校验" in page and "百分数" in page


# -- the command line --------------------------------------------------------------------------


def test_the_cli_verifies_shows_and_reruns_from_published_files(app, editor, district, tmp_path):
    task_id, _committed, draw = _drawn(editor, district)
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["draws", "verify", str(task_id)])
    assert verified.exit_code == 0 and "逐字节一致" in verified.output, verified.output
    shown = runner.invoke(args=["draws", "show", str(task_id)])
    assert draw["targets"][0]["name"] in shown.output
    (tmp_path / "parameters.json").write_text(
        json.dumps(draw["parameters"], ensure_ascii=False), encoding="utf-8"
    )
    snapshot = editor.get(f"/api/v1/random-check-tasks/{task_id}/snapshot").get_data(as_text=True)
    (tmp_path / "snapshot.json").write_text(snapshot, encoding="utf-8")
    published = ["draws", "rerun", "--parameters", str(tmp_path / "parameters.json")]
    published += ["--snapshot", str(tmp_path / "snapshot.json")]
    rerun = runner.invoke(args=[*published, "--seed", draw["seed"], "--witness", draw["witness"]])
    assert rerun.exit_code == 0, rerun.output
    assert f"结果 SHA-256 {draw['result_sha256']}" in rerun.output
    assert f"快照 SHA-256 {draw['snapshot_sha256']}" in rerun.output
    wrong = runner.invoke(args=[*published, "--seed", "0" * 64])
    assert draw["result_sha256"] not in wrong.output
    exported = runner.invoke(args=["draws", "export", str(task_id), str(tmp_path / "draw.xlsx")])
    assert exported.exit_code == 0 and (tmp_path / "draw.xlsx").stat().st_size > 0
    assert runner.invoke(args=["draws", "run", str(task_id)]).exit_code != 0  # drawn once only


def test_a_plan_is_seen_by_its_departments_only(app, session, district, editor, anonymous_client):
    created = editor.post("/api/v1/random-check-tasks", json=task_data(district)).json
    health = token_client(app, session, "editor", district.health.id)
    outsider = token_client(app, session, "editor", make_district(session).market.id)

    def codes(client):
        return [t["code"] for t in client.get("/api/v1/random-check-tasks").json["items"]]

    assert created["code"] in codes(editor) and created["code"] in codes(health)
    assert created["code"] not in codes(outsider) and created["code"] not in codes(anonymous_client)
    assert anonymous_client.get(f"/api/v1/random-check-tasks/{created['id']}").status_code == 404
