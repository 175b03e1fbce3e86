"""The figures' arithmetic and rounding rules, on small data made through the use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from catalog.services.facts import Scope
from catalog.services.figures import check_published, compute_figures, round_fraction
from tests import factories


@pytest.mark.parametrize(
    "value, places, rule, expected",
    [
        (Fraction(423, 443) * 100, 2, "DOWN", Fraction(9548, 100)),
        (Fraction(423, 443) * 100, 2, "HALF_UP", Fraction(9549, 100)),
        (Fraction(502, 506) * 100, 2, "HALF_UP", Fraction(9921, 100)),
        (Fraction(502, 506) * 100, 2, "DOWN", Fraction(9920, 100)),
        (Fraction(2, 443), 4, "HALF_UP", Fraction(45, 10000)),
        (Fraction(1, 8), 2, "HALF_UP", Fraction(13, 100)),
        (Fraction(-1, 8), 2, "HALF_UP", Fraction(-13, 100)),
    ],
)
def test_rounding_rules(value, places, rule, expected):
    assert round_fraction(value, places, rule) == expected


def by_key(figures):
    return {f.key: f for f in figures}


def test_service_figures_on_a_small_department(session):
    department = factories.department(session)
    scope = Scope(department_id=department.id)
    for _ in range(3):
        factories.instant_item(session, department.id)
    factories.one_visit_item(session, department.id)
    factories.instant_item(session, department.id, status="draft")
    factories.service_item(session, department.id, status="published", item_type="20")

    figures = by_key(compute_figures(session, scope, "DOWN"))
    instant = figures["instant_share"]
    assert (instant.numerator, instant.denominator) == (
        3,
        4,
    )  # the draft and the 公共服务 item are out of scope
    assert instant.display() == "75.00%"
    reduction = figures["time_reduction"]
    assert (reduction.numerator, reduction.denominator) == (80 - 5, 80)
    assert figures["time_reduction_mean"].value == (Fraction(1) * 3 + Fraction(15, 20)) / 4
    assert (figures["average_visits"].numerator, figures["average_visits"].denominator) == (1, 4)
    assert figures["average_visits"].display() == "0.2500"
    assert figures["zero_visit_rate"].display() == "75.00%"


def test_check_says_which_rule_supports_a_published_figure(session):
    department = factories.department(session)
    scope = Scope(department_id=department.id)
    for _ in range(2):
        factories.instant_item(session, department.id)
    factories.service_item(session, department.id, status="published")
    instant = by_key(compute_figures(session, scope))["instant_share"]  # 2/3 = 66.666…%
    assert check_published(instant, "66.67%").supported_by == ["HALF_UP"]
    assert check_published(instant, "66.66%").supported_by == ["DOWN"]
    wrong = check_published(instant, "70.00%")
    assert not wrong.supported and wrong.recomputed == {"HALF_UP": "66.67%", "DOWN": "66.66%"}


def test_figures_as_of_a_past_moment_ignore_later_edits(client, session):
    department = factories.department(session)
    items = [factories.instant_item(session, department.id) for _ in range(2)]
    moment = datetime.now(UTC)  # the trail is append-only: the edit is simply later
    factories.approved_edit(
        client,
        f"/api/v1/service-items/{items[0].id}",
        {"case_type": "2", "promised_time_limit": 3, "legal_time_limit": 20},
    )

    live = by_key(compute_figures(session, Scope(department_id=department.id)))["instant_share"]
    then = by_key(compute_figures(session, Scope(department_id=department.id, as_of=moment)))[
        "instant_share"
    ]
    assert (live.numerator, live.denominator) == (1, 2)
    assert (then.numerator, then.denominator) == (2, 2)


def test_certificate_flags_follow_the_materials(client, session):
    department = factories.department(session)
    created = client.post(
        "/api/v1/service-items",
        json=factories.service_item_data(
            department.id,
            status="published",
            materials=[
                {"name": "身份证", "e_license_name": "居民身份证", "exempt": True},
                {"name": "申请表"},
            ],
        ),
    ).json
    assert (created["e_license_linked"], created["license_free"]) == (True, True)
    figures = by_key(compute_figures(session, Scope(department_id=department.id)))
    assert figures["e_license_items"].numerator == figures["license_free_items"].numerator == 1

    changed = factories.approved_edit(
        client,
        f"/api/v1/service-items/{created['id']}",
        {"materials": [{"name": "身份证", "e_license_name": "居民身份证", "exempt": False}]},
    )
    assert (changed["e_license_linked"], changed["license_free"]) == (True, False)
    figures = by_key(compute_figures(session, Scope(department_id=department.id)))
    assert (figures["e_license_items"].numerator, figures["license_free_items"].numerator) == (1, 0)
