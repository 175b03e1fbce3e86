"""What the citizen pages tell at a glance: a hit's lists and service facts (未填报 when the
source gave none), the region choice over several districts, and the whole guide."""

from __future__ import annotations

import re

import pytest

from tests import factories


def visible(html: str) -> str:
    """The page's text without tags, as read."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def two_districts(client, session):
    east = factories.department(session, name="东区公安局")
    west = factories.department(session, name="西区公安局")

    def create(department, **data):
        return client.post(
            "/api/v1/service-items",
            json=factories.service_item_data(department.id, status="published", **data),
        ).json

    timed = create(
        east,
        name="户籍证明出具",
        online_url="https://zwfw.example.cn/hj",
        onsite_visits=None,
        materials=[
            {"name": "居民户口簿", "material_type": "原件", "material_form": "纸质", "copies": 2},
            {"name": "申请表"},
        ],
    )
    instant = create(
        west,
        name="户籍证明补开",
        case_type="1",
        promised_time_limit=0,
        onsite_visits=0,
        mobile_url="https://m.example.cn/hj",
    )
    return east, west, timed, instant


def test_a_hit_names_its_list_and_the_facts_a_citizen_acts_on(anonymous_client, two_districts):
    page = visible(anonymous_client.get("/search?q=户籍证明").text)
    timed = page[page.index("户籍证明出具") : page.index("东区公安局", page.index("户籍证明出具"))]
    assert "办事服务" in timed and "承诺 5 个工作日" in timed and "跑动次数未填报" in timed
    assert "在线可办" in timed and "即办件" not in timed and "跑动 0 次" not in timed
    instant = page[
        page.index("户籍证明补开") : page.index("西区公安局", page.index("户籍证明补开"))
    ]
    assert "即办件" in instant and "零跑动" in instant and "在线可办" in instant


def test_several_districts_offer_a_region_choice_that_narrows(anonymous_client, two_districts):
    _east, _west, _timed, _instant = two_districts
    page = anonymous_client.get("/search?q=户籍证明").text
    assert '<select id="region" name="region">' in page
    region_name = re.search(r"<option>([^<]+)</option>", page).group(1)
    narrowed = visible(
        anonymous_client.get("/search", query_string={"q": "户籍证明", "region": region_name}).text
    )
    assert "共找到 1 个事项" in narrowed
    assert ("户籍证明出具" in narrowed) != ("户籍证明补开" in narrowed)


def test_the_guide_shows_how_where_and_each_material(anonymous_client, two_districts):
    _east, _west, timed, instant = two_districts
    page = anonymous_client.get(f"/items/service/{timed['id']}").text
    text = visible(page)
    assert '<a class="button" href="https://zwfw.example.cn/hj"' in page
    assert ">https://zwfw.example.cn/hj<" not in page  # a button, not a raw URL
    assert "2 份" in text and "原件" in text and "纸质" in text
    assert text.count("未填报") >= 3  # 申请表: its type, form and copies; the visits
    assert "到办事现场次数未填报" in text
    phone = anonymous_client.get(f"/items/service/{instant['id']}").text
    assert (
        '<a class="button secondary" href="https://m.example.cn/hj"' in phone
        and "用手机办理" in phone
    )


def test_the_favicon_is_served(anonymous_client):
    icon = anonymous_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_nothing_found_offers_the_departments_items_as_such(client, anonymous_client, session):
    police = factories.department(session, name="区公安分局")
    client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(
            police.id, name="开锁业备案", status="published", case_type="1", promised_time_limit=0
        ),
    )
    page = visible(anonymous_client.get("/search?q=派出所盖章").text)
    assert "没有找到与“派出所盖章”相关的事项" in page
    popular = page[page.index("相关部门的常办事项") :]
    assert "开锁业备案" in popular and "即办件" in popular and "区公安分局" in popular


def test_the_result_sample_forms_and_questions_reach_the_guide_and_search(
    client, anonymous_client, session
):
    bureau = factories.department(session, name="区民政局")
    data = factories.service_item_data(
        bureau.id,
        status="published",
        name="内地居民婚姻登记",
        result_name="结婚证",
        result_sample_url="https://zwfw.example.cn/samples/jiehunzheng.pdf",
        materials=[
            {
                "name": "申请结婚登记声明书",
                "blank_form_url": "https://zwfw.example.cn/forms/shengming.docx",
                "sample_form_url": "https://zwfw.example.cn/forms/shengming-sample.pdf",
            },
            {"name": "居民身份证"},
        ],
        faqs=[
            {"question": "户口不在本区可以办理吗？", "answer": "可以，本区实行婚姻登记全域通办。"}
        ],
    )
    created = client.post("/api/v1/service-items", json=data)
    assert created.status_code == 201, created.json
    item = client.get(f"/api/v1/service-items/{created.json['id']}").json
    assert (
        item["result_name"] == "结婚证"
        and item["faqs"][0]["question"] == "户口不在本区可以办理吗？"
    )
    assert (
        item["materials"][0]["sample_form_url"]
        == "https://zwfw.example.cn/forms/shengming-sample.pdf"
    )

    page = anonymous_client.get(f"/items/service/{item['id']}").text
    text = visible(page)
    assert "办理结果（证照名称）结婚证 查看结果样本" in text
    assert (
        '<a href="https://zwfw.example.cn/forms/shengming.docx"' in page
        and "空白表格：申请结婚登记声明书" in text
    )
    assert '<a href="https://zwfw.example.cn/forms/shengming-sample.pdf"' in page
    assert "<summary>户口不在本区可以办理吗？</summary>" in page and "全域通办" in text
    identity = page[page.index("<td>居民身份证") :]
    assert (
        identity[: identity.index("</tr>")].count("未填报") == 5
    )  # type, form, copies, source, 样表: not "none"

    found = visible(anonymous_client.get("/search", query_string={"q": "结婚证"}).text)
    assert "内地居民婚姻登记" in found  # citizens ask for the certificate, not the procedure


def test_a_guide_without_a_result_or_questions_says_unfilled(client, anonymous_client, session):
    bureau = factories.department(session, name="区司法局")
    item = client.post(
        "/api/v1/service-items", json=factories.service_item_data(bureau.id, status="published")
    ).json
    text = visible(anonymous_client.get(f"/items/service/{item['id']}").text)
    assert (
        "办理结果（证照名称）未填报" in text
        and "常见问题 未填报" in text
        and "结果样本" not in text
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"faqs": [{"question": "问", "answer": "答"}] * 51}, "faqs", "最多"),
        ({"faqs": [{"question": "问" * 501, "answer": "答"}]}, "faqs.0.question", "500"),
        ({"faqs": [{"question": "问"}]}, "faqs.0.answer", "必填"),
        ({"result_name": "证" * 201}, "result_name", "200"),
        ({"result_sample_url": "javascript:alert(1)"}, "result_sample_url", "网址"),
        (
            {"materials": [{"name": "表", "blank_form_url": "ftp://x"}]},
            "materials.0.blank_form_url",
            "网址",
        ),
    ],
)
def test_results_forms_and_questions_are_bounded_with_a_chinese_error(
    client, session, change, field, message
):
    bureau = factories.department(session, name="区卫健局")
    refused = client.post(
        "/api/v1/service-items", json=factories.service_item_data(bureau.id, **change)
    )
    assert refused.status_code == 422
    error = refused.json["error"]
    assert field in error["fields"] and message in str(error["fields"][field]), error
