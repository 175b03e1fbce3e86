"""The draw algorithm alone (catalog/services/draw_algorithm.py): deterministic, sensitive to the
seed, uniform over the eligible targets, and never breaking 回避, the 2-inspector minimum or the
ratio bounds. Pure Python, no database."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.services import draw_algorithm as algorithm
from catalog.services.draw_algorithm import DrawRefused, canonical_json, sha256_hex

DEPARTMENT = {"key": "11445302MA0000001X", "name": "区市场监管局", "fields": ["市场监管"]}


def _inspector(key: str, department: str = DEPARTMENT["key"], **overrides: object) -> dict:
    return {
        "key": key,
        "name": f"执法员{key}",
        "department": department,
        "enforcement_field": "市场监管",
        "on_duty": True,
        "certified_on": "2018-03-01",
        "certificate_valid_until": None,
        **overrides,
    }


def _snapshot(targets: int, inspectors: int = 6) -> dict:
    return {
        "targets": [{"key": f"9144530200000{n:05d}", "name": f"对象{n}"} for n in range(targets)],
        "inspectors": [_inspector(f"44530201{n:04d}") for n in range(inspectors)],
        "conflicts": [],
    }


def _parameters(**overrides: object) -> dict:
    return {
        "code": "YC-2020-04",
        "draw_date": "2020-11-02",
        "ratio_percent": None,
        "count": 6,
        "ratio_min": None,
        "ratio_max": None,
        "inspectors_per_department": 2,
        "departments": [DEPARTMENT],
        **overrides,
    }


def _seed(label: str) -> str:
    return sha256_hex(label)


def test_the_same_inputs_give_the_same_draw_and_another_seed_another():
    snapshot, parameters = _snapshot(40), _parameters()
    first = algorithm.run(parameters, snapshot, _seed("a"), "见证 3-5-2")
    again = algorithm.run(parameters, snapshot, _seed("a"), "见证 3-5-2")
    assert canonical_json(first) == canonical_json(again)
    assert len(first["targets"]) == 6 and len(first["teams"]) == 6
    other_seed = algorithm.run(parameters, snapshot, _seed("b"), "见证 3-5-2")
    other_witness = algorithm.run(parameters, snapshot, _seed("a"), "见证 3-5-3")
    keys = [t["key"] for t in first["targets"]]
    assert [t["key"] for t in other_seed["targets"]] != keys
    assert [t["key"] for t in other_witness["targets"]] != keys
    # the order of the snapshot's lists does not matter: only keys and hashes do
    shuffled = {
        **snapshot,
        "targets": snapshot["targets"][::-1],
        "inspectors": snapshot["inspectors"][::-1],
    }
    assert canonical_json(
        algorithm.run(parameters, shuffled, _seed("a"), "见证 3-5-2")
    ) == canonical_json(first)


def test_targets_are_ranked_by_the_published_hash():
    """The specification, re-computed here without the module's ranking function."""
    snapshot = _snapshot(12)
    result = algorithm.run(_parameters(count=3), snapshot, _seed("spec"), "")
    key = sha256_hex(f"qingdan-draw-v1|YC-2020-04|{_seed('spec')}|")
    scores = sorted((sha256_hex(f"{key}|target|{t['key']}"), t["key"]) for t in snapshot["targets"])
    assert result["draw_key"] == key
    assert [t["key"] for t in result["targets"]] == [k for _s, k in scores[:3]]


# -- uniformity ---------------------------------------------------------------------------------


def _chi_square_sf_even(statistic: float, degrees: int) -> float:
    """P(χ²_k ≥ x) for even k: e^{-x/2} Σ_{i<k/2} (x/2)^i / i! (closed form, no SciPy)."""
    half = statistic / 2
    term, total = 1.0, 1.0
    for i in range(1, degrees // 2):
        term *= half / i
        total += term
    return math.exp(-half) * total


def _uniformity_statistic(counts: list[int], draws: int, sample: int) -> float:
    """Pearson's X² for draws of ``sample`` out of len(counts) without replacement.

    Each draw includes a target with p = n/N, with covariance −p(1−p)/(N−1) between two targets,
    so Σ(o−e)²/e follows (1−p)·N/(N−1)·χ²_{N−1}; dividing by that factor gives χ²_{N−1}."""
    pool = len(counts)
    p = Fraction(sample, pool)
    expected = draws * p
    raw = sum((count - expected) ** 2 for count in counts) / expected
    return float(raw / ((1 - p) * Fraction(pool, pool - 1)))


SIGNIFICANCE = 0.01  # the test rejects uniformity when P(χ²₂₀ ≥ X²) < 1%


def test_each_eligible_target_is_drawn_with_equal_frequency_over_10000_draws():
    pool, sample, draws = 21, 6, 10_000  # 20 degrees of freedom: the closed form above applies
    snapshot = _snapshot(pool, inspectors=3)
    counts = dict.fromkeys((t["key"] for t in snapshot["targets"]), 0)
    parameters = _parameters(count=sample)
    for n in range(draws):
        for drawn in algorithm.run(parameters, snapshot, _seed(f"chi-square {n}"), "")["targets"]:
            counts[drawn["key"]] += 1
    assert sum(counts.values()) == draws * sample
    statistic = _uniformity_statistic(list(counts.values()), draws, sample)
    p_value = _chi_square_sf_even(statistic, pool - 1)
    assert p_value > SIGNIFICANCE, (statistic, p_value, counts)
    # the same test rejects a selection that favours part of the directory: key order instead of
    # hash order, with one in ten draws taken from the last six keys
    ordered = sorted(counts)
    biased = dict.fromkeys(ordered, 0)
    for n in range(draws):
        for key in ordered[-sample:] if n % 10 == 0 else ordered[n % 15 : n % 15 + sample]:
            biased[key] += 1
    assert (
        _chi_square_sf_even(_uniformity_statistic(list(biased.values()), draws, sample), pool - 1)
        < SIGNIFICANCE
    )


def test_the_closed_form_matches_known_critical_values():
    # χ²₂₀ at 0.05 and 0.01 (standard tables: 31.410 and 37.566)
    assert _chi_square_sf_even(31.410, 20) == pytest.approx(0.05, abs=5e-4)
    assert _chi_square_sf_even(37.566, 20) == pytest.approx(0.01, abs=1e-4)


# -- the rules hold for every draw ----------------------------------------------------------------

FIELDS = ["市场监管", "卫生健康", "消防"]
DATES = ["2016-05-01", "2019-12-31", "2020-11-02", "2020-11-03", "2021-01-01"]


@st.composite
def draws(draw: st.DrawFn) -> tuple[dict, dict]:
    departments = [
        {
            "key": f"D{n}",
            "name": f"部门{n}",
            "fields": draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)),
        }
        for n in range(draw(st.integers(1, 3)))
    ]
    targets = [{"key": f"T{n}", "name": f"对象{n}"} for n in range(draw(st.integers(1, 30)))]
    inspectors = [
        {
            "key": f"I{n}",
            "name": f"人员{n}",
            "department": draw(st.sampled_from(departments))["key"],
            "enforcement_field": draw(st.sampled_from([*FIELDS, None])),
            "on_duty": draw(st.booleans()),
            "certified_on": draw(st.sampled_from([*DATES, None])),
            "certificate_valid_until": draw(st.sampled_from([*DATES, None])),
        }
        for n in range(draw(st.integers(0, 14)))
    ]
    conflicts = [
        {"inspector": i["key"], "target": t["key"]}
        for i in inspectors
        for t in targets
        if draw(st.integers(0, 9)) == 0
    ]
    general = draw(st.booleans())
    low = draw(st.sampled_from([None, "3", "5", "20"]))
    high = draw(st.sampled_from([None, "10", "15", "50"])) if general else None
    by_count = draw(st.booleans())
    parameters = {
        "code": "T-1",
        "draw_date": "2020-11-02",
        "ratio_min": low,
        "ratio_max": high,
        "ratio_percent": None
        if by_count
        else draw(st.sampled_from(["1", "5", "12.5", "20", "100"])),
        "count": draw(st.integers(1, 12)) if by_count else None,
        "inspectors_per_department": draw(st.integers(2, 3)),
        "departments": departments,
    }
    return parameters, {"targets": targets, "inspectors": inspectors, "conflicts": conflicts}


def _eligible(inspector: dict, target: str, department: dict, conflicts: set) -> bool:
    """The rules, written out again as the test's oracle."""
    certified, until = inspector["certified_on"], inspector["certificate_valid_until"]
    return (
        (inspector["key"], target) not in conflicts
        and (not department["fields"] or inspector["enforcement_field"] in department["fields"])
        and inspector["on_duty"]
        and certified is not None
        and certified <= "2020-11-02"
        and (until is None or until >= "2020-11-02")
    )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(draws())
def test_no_draw_breaks_avoidance_the_two_inspector_minimum_or_the_ratio_bounds(case):
    parameters, snapshot = case
    conflicts = {(c["inspector"], c["target"]) for c in snapshot["conflicts"]}
    departments = {d["key"]: d for d in parameters["departments"]}
    inspectors = {i["key"]: i for i in snapshot["inspectors"]}
    size = parameters["inspectors_per_department"]
    try:
        result = algorithm.run(parameters, snapshot, _seed("property"), "")
    except DrawRefused:
        _assert_refusal_is_justified(parameters, snapshot, conflicts)
        return
    pool, drawn = len(snapshot["targets"]), len(result["targets"])
    assert len({t["key"] for t in result["targets"]}) == drawn >= 1
    if parameters["ratio_min"] is not None:
        assert Fraction(drawn, pool) * 100 >= Fraction(parameters["ratio_min"])
    if parameters["ratio_max"] is not None:
        assert Fraction(drawn, pool) * 100 <= Fraction(parameters["ratio_max"])
    assert len(result["teams"]) == drawn * len(departments)
    for team in result["teams"]:
        members = team["inspectors"]
        assert len(members) == len(set(members)) == size >= algorithm.MIN_INSPECTORS
        for key in members:
            assert inspectors[key]["department"] == team["department"]
            assert _eligible(
                inspectors[key], team["target"], departments[team["department"]], conflicts
            )
    for replaced in result["replacements"]:
        inspector = inspectors[replaced["inspector"]]
        assert not _eligible(
            inspector, replaced["target"], departments[replaced["department"]], conflicts
        )
        assert replaced["reason"] in algorithm.REASONS


def _assert_refusal_is_justified(parameters: dict, snapshot: dict, conflicts: set) -> None:
    """A refusal means the bounds cannot be met, or some team cannot be filled."""
    try:
        size = algorithm.sample_size(len(snapshot["targets"]), parameters)
    except DrawRefused:
        return
    key = algorithm.draw_key(parameters["code"], _seed("property"), "")
    drawn = [
        k
        for _s, k in algorithm.ranked(
            key, "target", {t["key"]: t["key"] for t in snapshot["targets"]}
        )[:size]
    ]
    short = [
        (target, department["key"])
        for target in drawn
        for department in parameters["departments"]
        if sum(
            _eligible(i, target, department, conflicts)
            for i in snapshot["inspectors"]
            if i["department"] == department["key"]
        )
        < parameters["inspectors_per_department"]
    ]
    assert short, "the draw was refused although every bound and team could be met"


def test_a_conflicted_inspector_is_replaced_and_the_replacement_recorded():
    snapshot = _snapshot(5, inspectors=4)
    parameters = _parameters(count=1)
    first = algorithm.run(parameters, snapshot, _seed("c"), "")
    target, chosen = first["targets"][0]["key"], first["teams"][0]["inspectors"][0]
    snapshot["conflicts"] = [
        {"inspector": chosen, "target": target, "reason": "近亲属任该单位负责人"}
    ]
    second = algorithm.run(parameters, snapshot, _seed("c"), "")
    assert second["targets"] == first["targets"]  # targets do not depend on inspectors
    assert chosen not in second["teams"][0]["inspectors"]
    assert second["replacements"][0]["inspector"] == chosen
    assert second["replacements"][0]["reason"] == "conflict"
    assert second["replacements"][0]["replaced_by"] in second["teams"][0]["inspectors"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"count": None, "ratio_percent": "5", "ratio_max": "10"}, "高于一般检查事项的上限"),
        ({"count": 1, "ratio_min": "20"}, "低于抽查事项规定的下限"),
        ({"count": 50}, "超过符合范围的检查对象数"),
        ({"inspectors_per_department": 1}, "至少抽取 2 名"),
    ],
)
def test_refusals_say_why_in_chinese(overrides, message):
    with pytest.raises(DrawRefused, match=message):
        algorithm.run(_parameters(**overrides), _snapshot(8), _seed("r"), "")


def test_the_published_specification_reruns_the_draw():
    """The stand-alone re-implementation in docs/random-draws.md gives the module's draw."""
    import re
    from pathlib import Path

    document = (Path(__file__).resolve().parent.parent / "docs" / "random-draws.md").read_text(
        encoding="utf-8"
    )
    code = re.search(r"```python\n(.*?)```", document, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/random-draws.md", "exec"), namespace)
    snapshot = _snapshot(30, inspectors=8)
    snapshot["inspectors"][0]["on_duty"] = False
    snapshot["inspectors"][1]["certified_on"] = "2021-01-01"
    snapshot["inspectors"][2]["enforcement_field"] = "消防"
    snapshot["conflicts"] = [
        {"inspector": i["key"], "target": t["key"]}
        for i in snapshot["inspectors"][3:5]
        for t in snapshot["targets"][:20]
    ]
    for parameters in (_parameters(count=7), _parameters(count=None, ratio_percent="12.5")):
        expected = algorithm.run(parameters, snapshot, _seed("docs"), "掷骰 2-2-5")
        keys, teams = namespace["rerun"](parameters, snapshot, _seed("docs"), "掷骰 2-2-5")
        assert keys == [t["key"] for t in expected["targets"]]
        assert teams == expected["teams"]
    assert expected["replacements"], "the case exercises replacements"
