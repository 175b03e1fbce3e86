"""Figures as of a moment read the figures' history table (figure_facts); they must equal the
figures computed from the history's snapshots (history.snapshots_as_of), the way they were
computed before that table, on histories with later edits, deletes, back-dated records and
records sharing a moment."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import chain

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    Subquery,
    case,
    column,
    select,
    table,
)

from catalog.extensions import db
from catalog.models import ChangeRecord, FigureFact, Organization, Revision
from catalog.models.audit import Snapshot
from catalog.models.base import UtcDateTime
from catalog.models.figure_facts import rebuild_figure_facts
from catalog.services import crud, facts, figures, registry, workflow
from catalog.services.facts import SERVICE_COLUMNS, Scope, Shape
from catalog.services.history import record_change, snapshots_as_of
from seed.loading import Loader
from tests import factories
from tests.support import postgres
from tests.support.databases import app_on
from tests.test_migration_unknown import RECORD_COLUMNS

START = datetime(2020, 6, 1, tzinfo=UTC)
MOMENTS = [START + timedelta(days=day) for day in range(0, 40, 4)]

# -- the reference: facts from the history's JSON snapshots --------------------------------


def _from_snapshot(
    snapshots: Subquery, key: str, kind: type, name: str | None = None
) -> ColumnElement:
    value = snapshots.c.after[key]
    typed = (
        value.as_integer()
        if kind is Integer
        else value.as_boolean()
        if kind is Boolean
        else value.as_string()
    )
    return typed.label(name or key)


SERVICE_TYPES = {
    "department_id": Integer,
    "legal_time_limit": Integer,
    "promised_time_limit": Integer,
    "onsite_visits": Integer,
    "e_license_linked": Boolean,
    "license_free": Boolean,
}
# read in the reference as the figures define them: 无期限 as stated, or (before migration 0010)
# an empty limit; materials known unless null
DERIVED = {"legal_no_limit", "promised_no_limit", "materials_known", "unfilled_elements"}


def _no_limit(snapshots: Subquery, prefix: str) -> ColumnElement:
    stated = snapshots.c.after[f"{prefix}_no_limit"].as_boolean()
    empty = snapshots.c.after[f"{prefix}_time_limit"].as_integer().is_(None)
    return case((stated.is_(None), empty), else_=stated).label(f"{prefix}_no_limit")


def _service_from_snapshots(shape: Shape) -> Subquery:
    snapshots = snapshots_as_of("service_item", facts.AS_OF)
    rows = select(
        snapshots.c.id,
        *(
            _from_snapshot(snapshots, n, SERVICE_TYPES.get(n, String))
            for n in SERVICE_COLUMNS
            if n not in DERIVED
        ),
        _no_limit(snapshots, "legal"),
        _no_limit(snapshots, "promised"),
        snapshots.c.after["materials"].as_string().is_not(None).label("materials_known"),
    ).subquery()
    query = select(rows).where(rows.c.status == "published", rows.c.item_type.in_(facts.ITEM_TYPES))
    return facts.in_scope(query, rows.c.department_id, shape).subquery("service_facts")


def _inspection_from_snapshots(shape: Shape) -> Subquery:
    item_snapshots = snapshots_as_of("supervision_item", facts.AS_OF)
    items = select(
        item_snapshots.c.id,
        _from_snapshot(item_snapshots, "code", String, "name"),
        _from_snapshot(item_snapshots, "department_id", Integer),
        _from_snapshot(item_snapshots, "status", String),
        _from_snapshot(item_snapshots, "supervision_type", String),
        _from_snapshot(item_snapshots, "claimed", Boolean),
    ).subquery()
    list_snapshots = snapshots_as_of("inspection_impl_list", facts.AS_OF)
    lists = select(
        _from_snapshot(list_snapshots, "supervision_item_id", Integer),
        _from_snapshot(list_snapshots, "status", String),
    ).subquery()
    return facts.inspections_with_lists(items, lists, shape)


# The type each snapshot key is read as; String unless listed.
TYPES = {
    **SERVICE_TYPES,
    "lead_department_id": Integer,
    "from_department_id": Integer,
    "parent_id": Integer,
    "claimed": Boolean,
    "on_duty": Boolean,
}


def _published(entity_type: str, *columns: str) -> Callable[[Shape], Subquery]:
    """The facts of one list's published rows, each column a snapshot key or "key AS name"."""

    def reference(shape: Shape) -> Subquery:
        snapshots = snapshots_as_of(entity_type, facts.AS_OF)
        keys = [column.partition(" AS ")[::2] for column in columns]
        rows = select(
            snapshots.c.id,
            *(_from_snapshot(snapshots, k, TYPES.get(k, String), name) for k, name in keys),
        ).subquery()
        query = select(rows)
        if "status" in rows.c:
            query = query.where(rows.c.status == "published")
        return facts.in_scope(query, rows.c.department_id, shape).subquery(f"{entity_type}_facts")

    return reference


REFERENCE = {
    facts.service_facts: _service_from_snapshots,
    facts.inspection_facts: _inspection_from_snapshots,
    facts.bundle_facts: _published(
        "bundle", "name", "lead_department_id AS department_id", "status"
    ),
    facts.supervision_facts: _published(
        "supervision_item", "code AS name", "department_id", "status", "claimed", "parent_id"
    ),
    facts.devolved_facts: _published(
        "devolved_item", "name", "from_department_id AS department_id", "status"
    ),
    facts.inspector_facts: _published(
        "inspector", "certificate_number AS name", "department_id", "on_duty"
    ),
}


def _everything(session, scope: Scope, department_ids: list[int]) -> dict:
    """Every figure output for one scope: figures under both rules, the department table, the rows."""
    result = {
        rule: [f.as_dict() for f in figures.compute_figures(session, scope, rule)]
        for rule in figures.RULES
    }
    result["departments"] = [
        (row["department_id"], [f.as_dict() for f in row["figures"].values()])
        for row in figures.figures_by_department(session, scope, department_ids)
    ]
    for key in figures.PARTS:
        every_part = key in (
            "instant_share",
            "time_reduction",
            "zero_visit_rate",
            "e_license_items",
        )
        for part in figures.PART_NAMES if every_part else ("numerator", "unknown"):
            rows = figures.figure_rows(session, key, scope, part)
            # computed in Python from the snapshot: the completeness test below checks it
            result[key, part] = [
                {k: v for k, v in row.items() if k != "unfilled_elements"} for row in rows
            ]
    return result


def _from_snapshots(session, scope: Scope, department_ids: list[int], monkeypatch) -> dict:
    with monkeypatch.context() as patch:
        for function, reference in REFERENCE.items():
            patch.setattr(figures, function.__name__, reference)
        # the per-department facts (行政执法主体, 电子证照 departments) read the patched names
        parts = {
            k: replace(p, facts=REFERENCE.get(p.facts, p.facts)) for k, p in figures.PARTS.items()
        }
        patch.setattr(figures, "PARTS", parts)
        figures.forget_statements()
        try:
            return _everything(session, scope, department_ids)
        finally:
            figures.forget_statements()


# -- histories ------------------------------------------------------------------------------


def _service_snapshot(rng: random.Random, departments: list[int]) -> dict:
    instant = rng.random() < 0.5
    snapshot = {
        "department_id": rng.choice(departments),
        "name": f"事项{rng.randrange(1000)}",
        "status": rng.choice(["published", "published", "draft", "suspended"]),
        "item_type": rng.choice(["01", "01", "20"]),
        "case_type": rng.choice(["1" if instant else "2"] * 4 + [None]),
        "legal_time_limit": rng.choice([None, 20, 30, 60]),
        "legal_time_unit": rng.choice(["W", "N", "M", None]),
        "legal_no_limit": rng.random() < 0.3,
        "promised_time_limit": 0 if instant else rng.choice([None, 1, 5, 15]),
        "promised_time_unit": rng.choice(["W", "N", None]),
        "promised_no_limit": rng.random() < 0.2,
        "onsite_visits": rng.choice([0, 0, 1, 2, None]),
        "e_license_linked": rng.random() < 0.3,
        "license_free": rng.random() < 0.2,
        "materials": rng.choice([[], [{"name": "申请表"}], None]),
        "place": rng.choice([None, "政务服务中心"]),
        "version": rng.randrange(1, 9),
    }
    if rng.random() < 0.1:  # snapshots written before the flags existed
        del snapshot["e_license_linked"], snapshot["license_free"]
    if rng.random() < 0.2:  # snapshots written before 0010: empty limits were 无期限
        del snapshot["legal_no_limit"], snapshot["promised_no_limit"]
    return snapshot


def _snapshot(entity_type: str, entity_id: int, rng: random.Random, departments: list[int]) -> dict:
    if entity_type == "service_item":
        return _service_snapshot(rng, departments)
    status = rng.choice(["published", "published", "draft"])
    if entity_type == "supervision_item":
        return {
            "code": f"445302006{entity_id:05d}",
            "department_id": rng.choice(departments),
            "status": status,
            "supervision_type": rng.choice(["06", "06", "02"]),
            "claimed": rng.random() < 0.8,
            "parent_id": rng.choice([None, None, 1]),
            "objects": rng.choice([None, "企业"]),
        }
    if entity_type == "inspection_impl_list":
        return {
            "supervision_item_id": rng.randrange(1, 8),
            "status": status,
            "department_id": rng.choice(departments),
            "name": f"检查实施清单{entity_id}",
            "check_method": rng.choice([None, "现场检查"]),
        }
    if entity_type == "devolved_item":
        return {
            "name": f"下放事项{entity_id}",
            "from_department_id": rng.choice(departments),
            "status": status,
            "receiver_ids": rng.choice([[], [1, 2]]),
            "mode": rng.choice(["transfer", "entrust"]),
        }
    if entity_type == "inspector":
        return {
            "certificate_number": f"44{entity_id:06d}",
            "department_id": rng.choice(departments),
            "on_duty": rng.random() < 0.8,
        }
    return {
        "name": f"一件事{entity_id}",
        "lead_department_id": rng.choice(departments),
        "status": status,
    }


def _history(rng: random.Random, departments: list[int]) -> list[ChangeRecord]:
    """A few changes per row at a few moments (so some share one), in shuffled order, so
    that records are often written after later-dated ones (as a back-dated seed writes them)."""
    counts = {
        "service_item": 30,
        "supervision_item": 8,
        "inspection_impl_list": 8,
        "bundle": 5,
        "devolved_item": 6,
        "inspector": 6,
    }
    records = []
    for entity_type, count in counts.items():
        for entity_id in range(1, count + 1):
            moments = sorted(
                rng.choice(MOMENTS) + timedelta(hours=rng.choice([0, 0, 5]))
                for _ in range(rng.randint(1, 5))
            )
            for number, moment in enumerate(moments):
                action = (
                    "create"
                    if number == 0
                    else rng.choice(["update", "update", "update", "delete"])
                )
                # a delete leaves the row out whatever its record holds (some keep the last state)
                after = _snapshot(entity_type, entity_id, rng, departments)
                if action == "delete" and rng.random() < 0.5:
                    after = None
                records.append(
                    ChangeRecord(
                        entity_type=entity_type,
                        entity_id=entity_id,
                        action=action,
                        version=number + 1,
                        actor="tests",
                        source="seed",
                        changed_at=moment,
                        before=None,
                        after=after,
                    )
                )
    rng.shuffle(records)
    return records


def _moments() -> list[datetime]:
    """Before everything, at a change's exact moment and just before it, between changes, after."""
    points = [START - timedelta(days=1), START + timedelta(days=100)]
    for moment in MOMENTS[1::3]:
        points += [moment, moment - timedelta(microseconds=1), moment + timedelta(days=1)]
    return points


@pytest.fixture
def departments(session) -> list[int]:
    department = factories.department(session)
    other = factories.department(session, region_id=department.region_id)
    elsewhere = factories.department(session)  # another region
    return [department.id, other.id, elsewhere.id]


@pytest.mark.slow
def test_figures_as_of_equal_those_from_the_history_snapshots(session, departments, monkeypatch):
    rng = random.Random(4)
    records = _history(rng, departments)
    # history loaded as records alone (as migrations and benches load it): its facts are
    # rebuilt from the snapshots; test_the_facts_each_write_keeps_… checks the writes' own
    session.add_all(records)
    session.flush()
    rebuild_figure_facts(session.connection())
    region = session.scalar(select(Organization.region_id).where(Organization.id == departments[0]))
    scopes = [
        Scope(),
        Scope(item_types=("01", "20")),
        Scope(department_id=departments[1]),
        Scope(region_id=region),
    ]
    seen = set()
    for moment in _moments():
        for scope in scopes:
            dated = replace(scope, as_of=moment)
            expected = _from_snapshots(session, dated, departments, monkeypatch)
            assert _everything(session, dated, departments) == expected, (moment, scope)
            seen.add(str(expected["HALF_UP"][0]["value"]))
    assert len(seen) > 5  # the figures change from moment to moment: the comparison is not vacuous


def versions_follow_each_other(facts_kept: list) -> None:
    """Each row's versions follow each other without gap or overlap, the last one still open."""
    by_row: dict[tuple[str, int], list] = {}
    for fact in sorted(facts_kept, key=lambda f: (f.valid_from, f.record_id)):
        by_row.setdefault((fact.entity_type, fact.entity_id), []).append(fact)
    for versions in by_row.values():
        assert [v.valid_to for v in versions[:-1]] == [v.valid_from for v in versions[1:]]
        assert versions[-1].valid_to is None


# each item's writes, one path per item in turn: every write path of a service item
PATHS = [
    ["edit", "submit", "approve", "revise", "suspend", "resume", "cancel"],
    ["submit", "reject", "submit", "approve", "revise", "revise"],
    ["edit", "edit", "delete"],
    ["submit", "withdraw", "edit", "submit", "approve", "cancel"],
    ["submit", "reject", "delete"],
]
REASONED = {"reject", "suspend", "cancel"}
# 未填报, none needed, an 电子证照 one, a 免提交 one
MATERIALS = [
    None,
    [],
    [{"name": "营业执照", "e_license_name": "营业执照"}],
    [{"name": "身份证", "e_license_name": "居民身份证", "exempt": True}],
]


def _write(session, rng: random.Random, row, action: str) -> None:
    """Take one write path on ``row``."""
    spec = registry.SERVICE_ITEMS
    if action == "delete":
        crud.delete_row(session, spec, row.id, row.version, factories.SEED)
    elif action == "edit":
        changes = {"name": f"事项{rng.randrange(10**6)}", "onsite_visits": rng.choice([0, None])}
        workflow.edit_row(session, spec, row.id, changes, row.version, factories.SEED)
    elif action == "revise":  # a revision, submitted and approved: applying it writes the row
        changes = {
            "legal_time_limit": rng.choice([None, 20, 30]),
            "materials": rng.choice(MATERIALS),
        }
        revision = workflow.edit_row(session, spec, row.id, changes, row.version, factories.SEED)
        assert isinstance(revision, Revision)
        for step in ("submit", "approve"):
            workflow.take_step(session, spec, step, row.id, row.version, factories.SEED)
    else:
        reason = "测试理由" if action in REASONED else None
        workflow.take_step(session, spec, action, row.id, row.version, factories.SEED, reason)


def test_the_facts_each_write_keeps_equal_a_rebuild_from_the_whole_history(session, departments):
    """Every write path of a counted list — create, a draft's edit, each workflow step, a
    revision applied, delete — writes its fact from the row. Dated in shuffled order (records
    often land before later-dated ones, as the back-dated seed writes them, and some share a
    moment), the facts equal those rebuilt from the history's snapshots: a path that forgot
    its fact, or wrote one from other columns or at the wrong place in time, fails here."""
    rng = random.Random(7)
    for number in range(10):
        with Loader(session, "tests", as_of=rng.choice(MOMENTS)):
            row = factories.service_item(
                session, rng.choice(departments), materials=rng.choice(MATERIALS)
            )
        for action in PATHS[number % len(PATHS)]:
            with Loader(session, "tests", as_of=rng.choice(MOMENTS)):
                _write(session, rng, row, action)
    columns = list(FigureFact.__table__.columns)
    kept = session.execute(select(*columns).order_by(FigureFact.record_id)).all()
    recorded = session.execute(
        select(ChangeRecord.action, ChangeRecord.note).where(
            ChangeRecord.entity_type == "service_item"
        )
    ).all()
    assert len(kept) == len(recorded)
    actions = {action for action, _ in recorded}
    assert set(chain(["create", "update"], *PATHS)) - {"edit", "revise"} <= actions
    assert any(note and note.startswith("修订稿") for _, note in recorded)  # revisions applied
    rebuild_figure_facts(session.connection())
    assert session.execute(select(*columns).order_by(FigureFact.record_id)).all() == kept
    versions_follow_each_other(kept)


def test_a_change_to_a_counted_list_without_its_row_is_refused(session, departments):
    item = factories.service_item(session, departments[0])
    with pytest.raises(ValueError, match="needs its row"):
        record_change(
            session,
            entity_type="service_item",
            entity_id=item.id,
            action="update",
            before=None,
            after={"status": "draft"},
            actor=factories.SEED,
            department_id=departments[0],
            searchable=False,
        )


def test_history_loaded_as_records_alone_is_rebuilt_in_order(session, departments):
    """The bulk path: records written without rows (back-dated, shuffled, sharing moments)
    get their facts from the rebuild, one per record, in order."""
    records = _history(random.Random(7), departments)
    session.add_all(records)
    session.flush()
    rebuild_figure_facts(session.connection())
    kept = session.execute(select(*FigureFact.__table__.columns)).all()
    assert len(kept) == len(records)
    versions_follow_each_other(kept)


@pytest.mark.parametrize("rule", figures.RULES)
def test_rounding_in_integers_equals_rounding_the_fraction(rule):
    rng = random.Random(11)
    values = [
        Fraction(rng.randrange(-(10**6), 10**6), rng.randrange(1, 10**4)) for _ in range(3000)
    ]
    values += [Fraction(n, 8) for n in range(-20, 21)] + [
        Fraction(1, 2),
        Fraction(-1, 2),
        Fraction(0),
    ]
    for value in values:
        for places in (0, 2, 4, 12):
            scaled = abs(value) * 10**places
            whole = int(scaled + Fraction(1, 2)) if rule == "HALF_UP" else int(scaled)
            assert figures.round_fraction(value, places, rule) == Fraction(
                whole if value >= 0 else -whole, 10**places
            )


def test_migration_fills_the_facts_of_the_history_written_before_it(
    app, tmp_path_factory, worker_id
):
    """(``app`` is requested so the PostgreSQL pass, which keeps database tests only, runs it.)"""
    records = [
        {c: getattr(r, c) for c in (*RECORD_COLUMNS, "changed_at", "after")}
        for r in _history(random.Random(3), [1, 2, 3])
    ]
    types = {"after": Snapshot, "changed_at": UtcDateTime()}
    history = table("change_records", *(column(name, types.get(name)) for name in records[0]))
    for url in postgres.throwaway_database(
        tmp_path_factory.mktemp("migration"), f"facts_{worker_id}"
    ):
        old = app_on(url, tmp_path_factory.mktemp("index"), SEARCH_DRAIN_IN_PROCESS=False)
        with old.app_context():
            upgrade(revision="0005")
            with db.engine.begin() as connection:
                connection.execute(history.insert(), records)
            upgrade()  # 0006 fills the facts, 0010 rebuilds them with the unfilled elements
            columns = list(FigureFact.__table__.columns)
            with db.engine.begin() as connection:
                migrated = connection.execute(select(*columns).order_by(FigureFact.record_id)).all()
                rebuild_figure_facts(connection)
                assert (
                    connection.execute(select(*columns).order_by(FigureFact.record_id)).all()
                    == migrated
                )
            assert len(migrated) == len(records)
            downgrade(revision="0005")
            db.engine.dispose()


def test_the_rebuild_command_refills_facts_emptied_behind_the_application(
    app, session, departments
):
    factories.service_item(session, departments[0], status="published")
    columns = list(FigureFact.__table__.columns)
    kept = session.execute(select(*columns).order_by(FigureFact.record_id)).all()
    assert kept
    session.execute(FigureFact.__table__.delete())  # as if history had been loaded with plain SQL
    result = app.test_cli_runner().invoke(args=["rebuild-figure-facts"])
    assert result.exit_code == 0 and f"{len(kept)} 行" in result.output
    assert session.execute(select(*columns).order_by(FigureFact.record_id)).all() == kept
