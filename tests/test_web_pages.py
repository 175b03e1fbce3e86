"""The citizen pages: search with facets, the item guide, figures; drafts stay private and
stored text is escaped."""

from __future__ import annotations

import pytest

from tests import factories

XSS = '<script>alert("x")</script>'


@pytest.fixture
def published(client, session):
    department = factories.department(session, name="云城区市场监督管理局")
    item = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(
            department.id,
            name="食品经营许可（新办）",
            status="published",
            acceptance_conditions=f"申请人应具备条件 {XSS}",
            materials=[{"name": "营业执照", "e_license_name": "营业执照", "exempt": True}],
            case_type="1",
            promised_time_limit=0,
        ),
    ).json
    draft = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(department.id, name="食品经营许可（草稿）"),
    ).json
    return item, draft


def test_home_and_search_pages(client, published):
    home = client.get("/")
    assert home.status_code == 200 and "查找政务服务和权责事项" in home.text
    assert 'kind=service">1</a>' in home.text and 'kind=power">0</a>' in home.text  # published only
    page = client.get("/search?q=食品经营")
    assert page.status_code == 200
    assert "食品经营许可（新办）" in page.text.replace("<mark>", "").replace("</mark>", "")
    assert "草稿" not in page.text
    assert "<mark>" in page.text
    assert "云城区市场监督管理局" in page.text  # as a facet value and under the hit


def test_facet_links_narrow_and_unknown_parameters_are_ignored(client, published):
    page = client.get("/search?q=食品&instant=true&utm_source=x")
    assert page.status_code == 200 and "共找到 <strong>1</strong>" in page.text
    none = client.get("/search?q=食品&instant=false")
    assert "共找到 <strong>0</strong>" in none.text


def test_bad_search_input_gets_a_chinese_message_not_a_500(client, published):
    long = client.get("/search", query_string={"q": "食" * 300})
    assert long.status_code == 400 and "长度不能超过" in long.text
    assert client.get("/search?page=abc").status_code == 400


def test_item_guide_shows_the_facts_and_escapes_stored_text(client, published):
    item, draft = published
    page = client.get(f"/items/service/{item['id']}")
    assert page.status_code == 200
    for text in ("即办件", "零跑动", "免证办", "该材料免提交", "营业执照"):
        assert text in page.text
    assert XSS not in page.text and "&lt;script&gt;" in page.text
    hidden = client.get(f"/items/service/{draft['id']}")
    assert hidden.status_code == 404 and "不存在" in hidden.text
    assert client.get("/items/nothing/1").status_code == 404
    assert client.get(f"/items/service/{2**40}").status_code == 404


def test_figures_page(client, published):
    page = client.get("/figures?rule=DOWN")
    assert page.status_code == 200
    assert "即办件占比" in page.text and "100.00%" in page.text
    assert client.get("/figures?as_of=not-a-date").status_code == 400


def test_facet_values_are_shown_by_their_names(client, published):
    page = client.get("/search?q=食品")
    assert "政务服务事项" in page.text and "行政许可" in page.text
    assert ">service<" not in page.text and ">01<" not in page.text
