"""Unknown is not zero: an element the source did not give is 未填报 everywhere — stored as NULL,
answered as null, shown as 未填报, left out of the search facets and of the figures (which say
how many rows they left out), and never filled in by a rule."""

from __future__ import annotations

from fractions import Fraction

import pytest
from marshmallow import Schema

from catalog.schemas.fields import Int, optional
from catalog.services import search_documents
from catalog.services.facts import Scope
from catalog.services.figures import (
    check_published,
    compute_figures,
    decimal_text,
    exact_text,
    figure_rows,
)
from search.engines.embedded import EmbeddedEngine
from tests import factories

UNSTATED = {
    "onsite_visits": None,
    "is_charged": None,
    "case_type": None,
    "legal_time_limit": None,
    "promised_time_limit": None,
    "service_objects": None,
}


def _unstated(session, department_id: int, **overrides):
    """An item whose source gave nothing but its name and type (as the 广安区 catalog does)."""
    return factories.make(
        session,
        factories.registry.SERVICE_ITEMS,
        **{
            "name": "普通护照签发",
            "item_type": "01",
            "department_id": department_id,
            "status": "published",
            **overrides,
        },
    )


def by_key(figures):
    return {f.key: f for f in figures}


# -- stored, answered and shown ------------------------------------------------------------------


def test_an_item_created_without_elements_answers_null_not_zero(client, department):
    created = client.post(
        "/api/v1/service-items",
        json={"name": "普通护照签发", "item_type": "01", "department_id": department.id},
    )
    assert created.status_code == 201, created.json
    body = created.json
    for name in (
        "case_type",
        "legal_time_limit",
        "legal_time_unit",
        "promised_time_limit",
        "onsite_visits",
        "is_charged",
        "materials",
        "service_objects",
        "channels",
        "place",
        "office_hours",
    ):
        assert body[name] is None, name
    assert body["legal_no_limit"] is False and body["promised_no_limit"] is False


def test_an_optional_field_reads_left_out_and_null_as_unknown_and_zero_as_a_fact():
    visits = optional(Int, maximum=20, description="到办事现场次数")
    schema = Schema.from_dict({"onsite_visits": visits})()
    assert schema.load({}) == {"onsite_visits": None}
    assert schema.load({"onsite_visits": None}) == {"onsite_visits": None}
    assert schema.load({"onsite_visits": 0}) == {"onsite_visits": 0}
    assert "onsite_visits" in schema.validate({"onsite_visits": 21})  # the bounds still hold
    assert visits.metadata == {"description": "到办事现场次数"}


def test_explicit_zero_no_and_none_are_facts(client, department):
    created = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(
            department.id,
            onsite_visits=0,
            is_charged=False,
            materials=[],
            legal_time_limit=None,
            legal_no_limit=True,
            promised_time_limit=None,
            promised_no_limit=True,
        ),
    ).json
    assert (created["onsite_visits"], created["is_charged"], created["materials"]) == (0, False, [])
    assert created["legal_no_limit"] is True and created["legal_time_limit"] is None


def guide_cell(page: str, label: str) -> str:
    """What a guide says for ``label``: a table row (<th scope="row">) or a key fact (<dt>)."""
    for opening, closing in (
        (f'<th scope="row">{label}</th>', "</tr>"),
        (f"<dt>{label}</dt>", "</dd>"),
    ):
        if opening in page:
            return page.split(opening, 1)[1].split(closing, 1)[0]
    raise AssertionError(f"the guide does not show {label}")


def test_the_guide_shows_unstated_elements_as_unstated(
    client, anonymous_client, session, department
):
    item = _unstated(session, department.id)
    page = anonymous_client.get(f"/items/service/{item.id}").get_data(as_text=True)
    for row in (
        "办件类型",
        "法定办结时限",
        "承诺办结时限",
        "到办事现场次数",
        "服务对象",
        "办理地点",
        "办理时间",
    ):
        assert "未填报" in guide_cell(page, row), row
    materials = page.split('id="materials"', 1)[1].split("</section>", 1)[0]
    fees = page.split('id="fees"', 1)[1].split("</section>", 1)[0]
    assert "未填报" in materials and "无需提交材料" not in materials
    assert "未填报" in fees and "不收费" not in fees
    assert "零跑动" not in page and "无期限" not in page

    stated = factories.service_item(
        session,
        department.id,
        status="published",
        materials=[],
        is_charged=False,
        legal_time_limit=None,
        legal_no_limit=True,
    )
    page = anonymous_client.get(f"/items/service/{stated.id}").get_data(as_text=True)
    assert "无需提交材料" in page and "不收费" in page and "零跑动" in page and "无期限" in page


# -- rules judge known values only ---------------------------------------------------------------


def _bare(department, **data) -> dict:
    """A new item with its name, type and department only, and ``data``: the rest 未填报."""
    return {"name": "事项", "item_type": "01", "department_id": department.id, **data}


@pytest.mark.parametrize(
    "data",
    [
        {"case_type": None, "promised_time_limit": 0},  # 即办件 ⇔ 0: one side unknown
        {"case_type": "1", "promised_time_limit": None},
        {"onsite_visits": None, "onsite_reason": None},  # visits > 0 ⇒ reason: visits unknown
        {"is_charged": None, "charge_basis": None},  # 收费 ⇒ 依据: unknown
        {"legal_time_limit": None, "promised_time_limit": 10},  # 承诺 ≤ 法定: 法定 unknown
    ],
)
def test_a_rule_is_not_broken_by_an_unknown_side(client, department, data):
    response = client.post(
        "/api/v1/service-items",
        json=_bare(department, **data),
    )
    assert response.status_code == 201, response.json


def test_a_rule_that_cannot_be_judged_is_a_warning_and_nothing_is_filled_in(client, department):
    body = client.post(
        "/api/v1/service-items",
        json=_bare(department, promised_time_limit=0),
    ).json
    assert body["case_type"] is None  # not made a 即办件 to pass the rule
    assert [w["code"] for w in body["warnings"]] == ["case_type_unknown"]
    assert "办件类型未填报" in body["warnings"][0]["message"]


def test_no_limit_and_a_number_contradict(client, department):
    response = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(department.id, legal_time_limit=20, legal_no_limit=True),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"]["legal_time_limit"][0]["code"] == "no_limit_with_value"


def test_a_number_without_a_unit_is_in_working_days(client, department):
    body = client.post(
        "/api/v1/service-items",
        json=_bare(department, legal_time_limit=20),
    ).json
    assert (body["legal_time_limit"], body["legal_time_unit"]) == (20, "W")


# -- search --------------------------------------------------------------------------------------


def test_search_documents_and_facets_carry_only_known_facts(session, department, tmp_path):
    unknown = _unstated(session, department.id)
    zero = factories.service_item(
        session, department.id, name="护照补发", status="published", onsite_visits=0
    )
    one = factories.service_item(
        session,
        department.id,
        name="护照换发",
        status="published",
        onsite_visits=1,
        onsite_reason="须本人采集指纹",
    )
    document = search_documents.document(session, "service_item", unknown.id)
    assert (
        document.zero_visit is None and document.instant is None and document.onsite_visits is None
    )
    assert search_documents.document(session, "service_item", zero.id).zero_visit is True
    assert search_documents.document(session, "service_item", one.id).zero_visit is False

    engine = EmbeddedEngine(tmp_path / "index")
    engine.ensure_index()
    engine.index(list(search_documents.published_documents(session)))
    from catalog.services.citizen_search import search_items

    result = search_items(session, engine, {"q": "护照"}).result
    assert result.total == 3
    assert sorted(result.facets["zero_visit"]) == [
        (False, 1),
        (True, 1),
    ]  # the unknown one in neither
    assert (
        sum(count for _value, count in result.facets["instant"]) == 2
    )  # 承诺件 twice; unknown left out
    chosen = search_items(session, engine, {"q": "护照", "zero_visit": True}).result
    assert [hit.name for hit in chosen.hits] == ["护照补发"]


# -- figures -------------------------------------------------------------------------------------


def test_rates_count_known_inputs_and_name_the_rows_they_left_out(session, department):
    scope = Scope(department_id=department.id)
    factories.instant_item(session, department.id, onsite_visits=0, materials=[])
    factories.service_item(
        session,
        department.id,
        status="published",
        onsite_visits=1,
        onsite_reason="核验原件",
        materials=[{"name": "申请表"}],
    )
    unknown = _unstated(session, department.id)
    figures = by_key(compute_figures(session, scope))
    zero = figures["zero_visit_rate"]
    assert (zero.numerator, zero.denominator, zero.unknown, zero.in_scope) == (1, 2, 1, 3)
    assert zero.display() == "50.00%"
    instant = figures["instant_share"]
    assert (instant.numerator, instant.denominator, instant.unknown) == (1, 2, 1)
    assert (figures["time_reduction"].unknown, figures["e_license_items"].unknown) == (1, 1)
    rows = figure_rows(session, "zero_visit_rate", scope, "unknown")
    assert [row["id"] for row in rows] == [unknown.id]
    assert unknown.id not in {
        row["id"] for row in figure_rows(session, "zero_visit_rate", scope, "denominator")
    }
    assert (
        len(figure_rows(session, "zero_visit_rate", scope, "excluded")) == 1
    )  # the visit, not the unknown


def test_a_figure_whose_scope_is_all_unknown_says_so(client, session, department):
    for _ in range(2):
        _unstated(session, department.id)
    figures = {
        f["key"]: f
        for f in client.get(f"/api/v1/stats/figures?department_id={department.id}").json["figures"]
    }
    for key in (
        "zero_visit_rate",
        "instant_share",
        "average_visits",
        "time_reduction",
        "e_license_items",
    ):
        assert figures[key]["display"] == "全部未填报", key
        assert (
            figures[key]["value"] is None
            and figures[key]["unknown"] == figures[key]["in_scope"] == 2
        )
    empty = client.get("/api/v1/stats/figures?department_id=999999").json["figures"]
    assert {f["display"] for f in empty if f["denominator"] is not None} == {"—"}
    rows = client.get(
        f"/api/v1/stats/figures/zero_visit_rate/rows?part=unknown&department_id={department.id}"
    ).json
    assert len(rows["rows"]) == 2


def test_exact_values_are_written_from_the_fraction():
    big = Fraction(123456789012345, 7)
    assert decimal_text(big, 12) == "17636684144620.714285714285"  # not …620.714843750000 (float)
    assert decimal_text(Fraction(-1, 8), 2, "HALF_UP") == "-0.13"
    assert exact_text(Fraction(2147, 5)) == "429.4"  # the per-item mean's numerator, not 2147/5/443
    assert exact_text(Fraction(8603, 20)) == "430.15"
    assert exact_text(Fraction(1, 3)) == "1/3"
    assert exact_text(Fraction(7576)) == "7576"


def test_the_published_check_differs_in_exact_decimals(session, department):
    for _ in range(2):
        factories.instant_item(session, department.id)
    factories.service_item(session, department.id, status="published")
    instant = by_key(compute_figures(session, Scope(department_id=department.id)))["instant_share"]
    assert check_published(instant, "66.67%").difference_points == "+0.003333"
    assert check_published(instant, "66.66%").difference_points == "-0.006666"


def test_the_mean_reduction_numerator_is_printed_exactly(client, session, department):
    factories.service_item(
        session, department.id, status="published", legal_time_limit=20, promised_time_limit=5
    )
    factories.service_item(
        session, department.id, status="published", legal_time_limit=3, promised_time_limit=2
    )
    figure = {
        f["key"]: f
        for f in client.get(f"/api/v1/stats/figures?department_id={department.id}").json["figures"]
    }
    mean = figure["time_reduction_mean"]
    assert (mean["numerator"], mean["numerator_text"], mean["denominator"]) == ("13/12", "13/12", 2)
    assert mean["value"] == "13/24 = 0.541666666666"


# -- the report's counts and the devolution endpoint ----------------------------------------------


def test_devolution_honours_as_of_and_department_and_refuses_item_types(
    client, session, department
):
    street = factories.township(session, department.region_id, name="河口街道")
    other = factories.department(session, region_id=department.region_id)
    batch = factories.make(
        session,
        factories.registry.DEVOLUTION_BATCHES,
        title="第一批",
        region_id=department.region_id,
    )
    for source in (department, other):
        factories.devolved_item(session, batch.id, source.id, [street.id], status="published")
    live = client.get(f"/api/v1/stats/devolution?region_id={department.region_id}").json
    assert live == [{"township_id": street.id, "township": "河口街道", "items": 2}]
    mine = client.get(f"/api/v1/stats/devolution?department_id={department.id}").json
    assert mine[0]["items"] == 1
    assert client.get("/api/v1/stats/devolution?as_of=2000-01-01").json == []
    refused = client.get("/api/v1/stats/devolution?item_types=01")
    assert refused.status_code == 422
    assert "item_types" in refused.json["error"]["fields"]


def test_the_cli_states_its_scope_in_words(app, session, department):
    factories.instant_item(session, department.id)
    output = (
        app.test_cli_runner().invoke(args=["stats", "--department-id", str(department.id)]).output
    )
    first = output.splitlines()[0]
    assert first.startswith("口径：行政区划：全部；部门：") and department.name in first
    assert "{" not in first and "region_id" not in first
    assert "监管事项数" in output and "持证执法人员数" in output and "精确值" in output


def test_the_figures_export_names_the_rows_left_out(client, session, department):
    import csv
    import io

    from catalog.services.figures_export import FIGURE_HEADERS

    factories.service_item(session, department.id, status="published", onsite_visits=0)
    _unstated(session, department.id)
    exported = client.get(f"/api/v1/stats/export?format=csv&department_id={department.id}")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    headers = rows[0]
    assert headers == FIGURE_HEADERS
    zero = next(r for r in rows if r[0] == "全部" and r[1] == "零跑动率")
    assert (
        zero[2],
        zero[3],
        zero[headers.index("范围内记录数")],
        zero[headers.index("未填报、未计入")],
    ) == ("1", "1", "2", "1")
