"""The console's generated forms and spreadsheet pages through the Flask test client: saving
goes through the API's use cases (rules, 修订稿, trail), a refused save keeps what was typed,
and hostile input (huge fields, too many rows, wrong types, no CSRF token) gets a Chinese 4xx,
never a 500, and changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from catalog.models import ChangeRecord, Revision, ServiceItem
from catalog.web.console_forms import FORM_LISTS
from tests import factories

# sign-in helpers shared with the console's tests
from tests.test_accounts_and_audit import csrf_token, sign_in


@pytest.fixture
def editor(anonymous_client, session, department):
    factories.user(session, "bianji", "editor", department.id)
    sign_in(anonymous_client, "bianji")
    return anonymous_client


def item_form(department_id: int, **changes: str) -> dict[str, str]:
    return {
        "name": "测试即办事项",
        "item_type": "01",
        "department_id": str(department_id),
        "case_type": "1",
        "legal_time_limit": "20",
        "promised_time_limit": "3",
        "onsite_visits": "0",
        "materials-0-name": "身份证",
        "materials-0-required": "true",
        **changes,
    }


def test_a_rule_message_appears_at_its_field_and_the_typed_values_stay(editor, session, department):
    form = item_form(department.id, csrf_token=csrf_token(editor, "/console/new/service-items"))
    refused = editor.post("/console/new/service-items", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    field = page[page.index('id="f-promised_time_limit"') :]
    assert "即办件的承诺办结时限必须为0。" in field[:1500]
    assert 'value="测试即办事项"' in page and 'value="身份证"' in page and 'value="3"' in page
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0

    form["promised_time_limit"] = "0"
    saved = editor.post("/console/new/service-items", data=form)
    assert saved.status_code == 303
    item = session.query(ServiceItem).filter_by(name="测试即办事项").one()
    assert (
        item.status == "draft"
        and item.promised_time_limit == 0
        and [m.name for m in item.materials] == ["身份证"]
    )
    assert item.is_charged is None and item.channels is None  # left empty: 未填报, not 否
    record = (
        session.query(ChangeRecord).filter_by(entity_type="service_item", entity_id=item.id).one()
    )
    assert record.action == "create" and record.source == "web"
    edit_page = editor.get(saved.headers["Location"]).get_data(as_text=True)
    assert "必填要素“是否收费”未填报" in edit_page


def test_editing_a_published_row_saves_a_revision(editor, session, department):
    item = factories.service_item(session, department.id, status="published")
    url = f"/console/service-items/{item.id}/edit"
    page = editor.get(url).get_data(as_text=True)
    assert "保存为修订稿" in page and f'value="{item.name}"' in page
    form = item_form(
        department.id,
        name=item.name,
        case_type="2",
        promised_time_limit="5",
        consult_phone="0768-1234567",
        csrf_token=csrf_token(editor, url),
        version=str(item.version),
    )
    saved = editor.post(url, data=form)
    assert saved.status_code == 303
    session.expire_all()
    assert item.consult_phone is None and item.status == "published"
    revision = (
        session.query(Revision).filter_by(entity_id=item.id, entity_type="service_item").one()
    )
    assert revision.data["consult_phone"] == "0768-1234567"
    assert 'value="0768-1234567"' in editor.get(url).get_data(
        as_text=True
    )  # the form shows the revision
    preview = editor.get(f"/console/service-items/{item.id}/preview").get_data(as_text=True)
    assert "修订稿生效后" in preview and "0768-1234567" in preview
    session.expire_all()
    assert item.consult_phone is None  # the preview applied the revision and rolled it back


def test_adding_a_row_saves_nothing_and_no_materials_is_a_stated_fact(editor, session, department):
    form = item_form(
        department.id,
        promised_time_limit="0",
        csrf_token=csrf_token(editor, "/console/new/service-items"),
    )
    added = editor.post(
        "/console/new/service-items", data={**form, "_add": "materials", "_blank_materials": "1"}
    )
    page = added.get_data(as_text=True)
    assert (
        added.status_code == 200 and 'name="materials-2-name"' in page and 'value="身份证"' in page
    )
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0
    del form["materials-0-name"]
    editor.post("/console/new/service-items", data={**form, "materials__state": "none"})
    stated = session.query(ServiceItem).filter_by(name="测试即办事项").one()
    assert stated.materials == [] and stated.materials_known


def test_the_form_takes_the_result_sample_forms_and_questions(editor, session, department):
    blank = editor.get("/console/new/service-items").get_data(as_text=True)
    for name in (
        "result_name",
        "result_sample_url",
        "faqs-0-question",
        "faqs-0-answer",
        "materials-0-sample_form_url",
    ):
        assert f'name="{name}"' in blank, name
    form = item_form(
        department.id,
        promised_time_limit="0",
        result_name="营业执照",
        **{
            "materials-0-blank_form_url": "https://zwfw.example.cn/forms/a.docx",
            "faqs-0-question": "可以委托他人办理吗？",
            "faqs-0-answer": "可以，需提交授权委托书。",
        },
        csrf_token=csrf_token(editor, "/console/new/service-items"),
    )
    assert editor.post("/console/new/service-items", data=form).status_code == 303
    item = session.query(ServiceItem).filter_by(name="测试即办事项").one()
    assert item.result_name == "营业执照" and item.result_sample_url is None
    assert item.materials[0].blank_form_url == "https://zwfw.example.cn/forms/a.docx"
    assert [(q.question, q.answer) for q in item.faqs] == [
        ("可以委托他人办理吗？", "可以，需提交授权委托书。")
    ]


def test_another_departments_rows_are_refused_in_chinese(editor, session, department):
    other = factories.department(session, department.region_id)
    published = factories.service_item(session, other.id, status="published")
    draft = factories.service_item(session, other.id)
    forbidden = editor.get(f"/console/service-items/{published.id}/edit")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.get_data(as_text=True)
    hidden = editor.get(f"/console/service-items/{draft.id}/edit")
    assert hidden.status_code == 404 and "不存在" in hidden.get_data(as_text=True)
    form = item_form(other.id, csrf_token=csrf_token(editor, "/console/new/service-items"))
    refused = editor.post("/console/new/service-items", data=form)
    assert refused.status_code == 403
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0


@pytest.mark.parametrize(
    "changes, status, message",
    [
        ({"name": "长" * 400}, 422, "长度应在 1 到 300 个字符之间"),
        ({"onsite_visits": "两次"}, 422, "应为整数"),
        ({"onsite_visits": "9" * 30}, 422, "应为整数"),
        ({"case_type": "<script>"}, 422, "取值无效"),
        ({"is_charged": "maybe"}, 422, "应为 true 或 false"),
        ({"effective_on": "2021-13-45"}, 422, "应为日期"),
        ({"legal_basis_ids": "1，abc"}, 422, "没有编号、编码或名称为“1，abc”的法律依据"),
        ({"aliases": "\n".join(f"别名{n}" for n in range(30))}, 422, "最多 20 项"),
        ({f"fees-{n}-name": f"收费{n}" for n in range(60)}, 413, "最多 50 行"),
        ({"process": "流" * 2_000_000}, 413, ""),
    ],
)
def test_hostile_form_input_is_refused_in_chinese_and_nothing_is_saved(
    editor, session, department, changes, status, message
):
    form = item_form(
        department.id,
        promised_time_limit="0",
        csrf_token=csrf_token(editor, "/console/new/service-items"),
        **changes,
    )
    response = editor.post("/console/new/service-items", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page and re.search(r"[\u4e00-\u9fff]", page)
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0


def test_too_many_form_parts_and_missing_csrf_are_refused(editor, session, department):
    flood = {f"materials-{n}-name": "材料" for n in range(1500)}
    response = editor.post(
        "/console/new/service-items",
        data=item_form(
            department.id, csrf_token=csrf_token(editor, "/console/new/service-items"), **flood
        ),
    )
    assert response.status_code == 413 and "最多 100 行，提交了 1500 行" in response.get_data(
        as_text=True
    )
    no_token = editor.post(
        "/console/new/service-items", data=item_form(department.id, promised_time_limit="0")
    )
    assert no_token.status_code == 400 and "安全令牌" in no_token.get_data(as_text=True)
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0


def test_every_list_form_renders_for_its_editor(editor):
    for name in FORM_LISTS:
        page = editor.get(f"/console/new/{name}")
        assert page.status_code == 200, name
        assert '<label for="f-name"' in page.get_data(
            as_text=True
        ) or 'for="f-main_name"' in page.get_data(as_text=True)
        assert editor.get(f"/console/{name}").status_code == 200, name


def _sheet(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_import_is_checked_then_committed_only_when_clean(editor, session, department):
    template = editor.get("/console/service-items/template")
    headers = [
        c.value for c in next(load_workbook(io.BytesIO(template.data)).active.iter_rows(max_row=1))
    ]
    assert "事项名称" in headers
    good = ["表格导入事项甲", "行政许可", department.name, "承诺件", "20", "5"]
    bad = ["表格导入事项乙", "行政许可", department.name, "即办件", "20", "3"]
    columns = ["事项名称", "事项类型", "实施主体", "办件类型", "法定办结时限", "承诺办结时限"]
    url = "/console/service-items/import"
    checked = editor.post(
        url,
        data={
            "csrf_token": csrf_token(editor, url),
            "file": (io.BytesIO(_sheet([columns, good, bad])), "s.xlsx"),
        },
    )
    page = checked.get_data(as_text=True)
    assert (
        checked.status_code == 422
        and "即办件的承诺办结时限必须为0" in page
        and "确认导入" not in page
    )
    bad[5] = "0"
    checked = editor.post(
        url,
        data={
            "csrf_token": csrf_token(editor, url),
            "file": (io.BytesIO(_sheet([columns, good, bad])), "s.xlsx"),
        },
    )
    key = re.search(r'name="key" value="([^"]+)"', checked.get_data(as_text=True)).group(1)
    assert session.query(ServiceItem).filter(ServiceItem.name.like("表格导入事项%")).count() == 0
    other = editor.post(
        url + "/commit", data={"csrf_token": csrf_token(editor, url), "key": "x" + key}
    )
    assert other.status_code == 410
    done = editor.post(url + "/commit", data={"csrf_token": csrf_token(editor, url), "key": key})
    assert done.status_code == 200 and "已保存 2 行" in done.get_data(as_text=True)
    assert session.query(ServiceItem).filter(ServiceItem.name.like("表格导入事项%")).count() == 2
    exported = editor.get("/console/service-items/export")
    names = [
        r[0].value for r in load_workbook(io.BytesIO(exported.data)).active.iter_rows(min_row=2)
    ]
    assert {"表格导入事项甲", "表格导入事项乙"} <= set(names)


def test_hostile_uploads_are_refused_in_chinese(editor, session, department):
    url = "/console/service-items/import"
    for name, data in (
        ("s.xlsx", b"PK\x03\x04 not a workbook"),
        ("s.xls", b"\xd0\xcf\x11\xe0"),
        ("s.csv", b""),
    ):
        response = editor.post(
            url, data={"csrf_token": csrf_token(editor, url), "file": (io.BytesIO(data), name)}
        )
        assert 400 <= response.status_code < 500, name
        assert re.search(
            r'class="problems" role="alert">[^<]*[\u4e00-\u9fff]', response.get_data(as_text=True)
        ), name
    no_token = editor.post(url, data={"file": (io.BytesIO(_sheet([["事项名称"]])), "s.xlsx")})
    assert no_token.status_code == 400 and "安全令牌" in no_token.get_data(as_text=True)
    traversal = editor.post(
        url + "/commit", data={"csrf_token": csrf_token(editor, url), "key": "../../x.xlsx"}
    )
    assert traversal.status_code == 410 and "请重新上传" in traversal.get_data(as_text=True)


def _power(session, department_id: int, name: str, **extra: str):

    return factories.power_item(session, department_id, code=f"QZ-{name}", name=name, **extra)


def test_a_picker_offers_only_what_the_editor_may_reference(editor, session, department):
    from catalog.services import registry

    other = factories.department(session, department.region_id)
    own = _power(session, department.id, "本局许可甲")
    _power(session, other.id, "他局许可乙", status="published")
    _power(session, other.id, "他局许可丙")
    law = factories.make(session, registry.LEGAL_BASES, name="中华人民共和国行政许可法")
    found = editor.get("/console/lookup/service-items/power_item_id?q=" + "许可")
    assert found.status_code == 200
    assert found.get_json() == [
        {"id": own.id, "text": f"本局许可甲（编号 {own.id}）", "code": "QZ-本局许可甲"}
    ]
    assert (
        editor.get(f"/console/lookup/service-items/power_item_id?q={own.id}").get_json()[0]["id"]
        == own.id
    )
    laws = editor.get("/console/lookup/service-items/legal_basis_ids?q=行政许可").get_json()
    assert [c["id"] for c in laws] == [law.id]
    batches = editor.get("/console/lookup/devolved-items/batch_id?q=%").get_json()
    assert batches == []  # a LIKE wildcard is a character to find, not "anything"


@pytest.mark.parametrize(
    "url, status, message",
    [
        ("/console/lookup/service-items/power_item_id?q=" + "长" * 51, 400, "最多 50 个字"),
        ("/console/lookup/service-items/department_id?q=1", 404, "不能从列表中选择"),
        ("/console/lookup/service-items/nothing?q=1", 404, "不能从列表中选择"),
        ("/console/lookup/nothing/power_item_id?q=1", 404, "没有这个清单"),
        ("/console/lookup/regions/parent_id?q=1", 404, "没有这个清单"),
    ],
)
def test_hostile_lookups_are_refused_in_chinese(editor, url, status, message):
    response = editor.get(url)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]


def test_a_reviewer_may_not_look_up_and_the_anonymous_must_sign_in(
    anonymous_client, session, department
):
    assert (
        anonymous_client.get("/console/lookup/service-items/power_item_id?q=a").status_code == 302
    )
    factories.user(session, "shenhe", "reviewer", None, [department.id])
    sign_in(anonymous_client, "shenhe")
    refused = anonymous_client.get("/console/lookup/service-items/power_item_id?q=a")
    assert refused.status_code == 403 and re.search(
        r"[\u4e00-\u9fff]", refused.get_json()["error"]["message"]
    )


def test_without_javascript_a_typed_name_or_number_names_the_row(editor, session, department):
    from catalog.services import registry

    other = factories.department(session, department.region_id)
    own = _power(session, department.id, "本局处罚甲")
    _power(session, other.id, "他局处罚乙", status="published")
    law = factories.make(session, registry.LEGAL_BASES, name="中华人民共和国行政处罚法")
    token = csrf_token(editor, "/console/new/service-items")
    wrong = item_form(
        department.id,
        promised_time_limit="0",
        csrf_token=token,
        power_item_id="他局处罚乙",
        legal_basis_ids="没有这部法\n中华人民共和国行政处罚法",
    )
    refused = editor.post("/console/new/service-items", data=wrong)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert (
        "没有编号、编码或名称为“他局处罚乙”的权责事项"
        in page[page.index('id="f-power_item_id"') :][:1500]
    )
    assert "没有编号、编码或名称为“没有这部法”的法律依据" in page
    assert (
        'value="他局处罚乙"' in page and "中华人民共和国行政处罚法</textarea>" in page
    )  # kept as typed
    assert session.query(ServiceItem).filter_by(name="测试即办事项").count() == 0
    saved = editor.post(
        "/console/new/service-items",
        data={
            **wrong,
            "power_item_id": "本局处罚甲",
            "legal_basis_ids": f"{law.id}\n中华人民共和国行政处罚法（编号 {law.id}）",
        },
    )
    assert saved.status_code == 303
    item = session.query(ServiceItem).filter_by(name="测试即办事项").one()
    assert item.power_item_id == own.id and [b.id for b in item.legal_bases] == [law.id]
    edit_page = editor.get(saved.headers["Location"]).get_data(as_text=True)
    assert (
        f'value="本局处罚甲（编号 {own.id}）"' in edit_page
        and 'data-lookup="/console/lookup/service-items/power_item_id"' in edit_page
    )


def test_a_departments_rows_page_lists_its_drafts_and_published_rows_only(
    editor, session, department
):
    other = factories.department(session, department.region_id)
    draft = factories.service_item(session, department.id)
    published = factories.service_item(session, department.id, status="published")
    theirs = factories.service_item(session, other.id, status="published")
    page = editor.get("/console/service-items").get_data(as_text=True)
    assert draft.name in page and published.name in page and theirs.name not in page


def test_the_department_filter_of_every_kept_list_is_its_owner_column():
    """crud.list_rows drops the visibility clause when this filter names a department the actor
    reads: that is sound only if the filter confines the owner column."""
    from catalog.services.crud import OWNER_FILTER
    from catalog.services.registry import ALL_LISTS

    for spec in (s for s in ALL_LISTS if s.owner and s.has_workflow):
        confine = next(f for f in spec.filters if f.name == OWNER_FILTER)
        assert (
            next(iter(confine.clause(7).left.base_columns))
            is getattr(spec.model, spec.owner).property.columns[0]
        ), spec.name
