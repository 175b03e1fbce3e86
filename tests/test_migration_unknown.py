"""Migrating a database that holds rows keeps every row, and migration 0010 tells values filled in by default from stated ones: rows of the 广安区 seed
become 未填报, rows of the 云城区 seed keep what the dataset states, and other rows keep a
default value only when a later change set it. It runs on SQLite (a table copy with foreign
keys off, no cascade) and PostgreSQL, and its facts equal a rebuild by the application."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, TableClause, column, func, select, table, text

from catalog.extensions import db
from catalog.models import ChangeRecord, FigureFact, Material, SearchOutbox, ServiceItem
from catalog.models.audit import Snapshot
from catalog.models.base import UtcDateTime
from catalog.models.figure_facts import rebuild_figure_facts
from tests.support import postgres
from tests.support.databases import app_on

THEN = datetime(2024, 1, 2, tzinfo=UTC)
COMMON = {"version": 1, "created_at": THEN, "updated_at": THEN}
# What a change record says of the change, in every revision since 0001.
RECORD_COLUMNS = ("entity_type", "entity_id", "action", "version", "actor", "source")
ITEM = {
    "aliases": [],
    "themes": [],
    "exercise_level": "4",
    "item_type": "01",
    "status": "published",
    "legal_time_unit": "W",
    "promised_time_unit": "W",
    "case_type": "2",
    "onsite_visits": 0,
    "is_charged": False,
    "service_objects": [],
    "channels": [],
    "legal_time_limit": None,
    "promised_time_limit": None,
    "e_license_linked": False,
    "license_free": False,
    **COMMON,
}
ITEMS = {  # id → (department, values, source of the create, a later change (before, after) or None)
    1: (1, {"name": "普通护照签发"}, "seed", None),  # 广安区 seed: nothing stated
    2: (
        2,
        {
            "name": "婚姻登记",
            "case_type": "1",
            "promised_time_limit": 0,
            "service_objects": ["1"],
            "channels": ["1"],
        },
        "seed",
        None,
    ),  # 云城区 seed: 无法定时限, 0 visits, 不收费 stated
    3: (2, {"name": "API 事项", "legal_time_limit": 20, "promised_time_limit": 5}, "api", None),
    4: (
        2,
        {"name": "改为零跑动", "legal_time_limit": 20, "promised_time_limit": 5},
        "api",
        (
            {"onsite_visits": 1, "onsite_reason": "核验"},
            {"onsite_visits": 0, "onsite_reason": None},
        ),
    ),
    5: (
        2,
        {
            "name": "有收费",
            "is_charged": True,
            "onsite_visits": 2,
            "onsite_reason": "核验",
            "legal_time_limit": 20,
            "promised_time_limit": 5,
        },
        "import",
        None,
    ),
}


def _table(name: str, *columns: str, **typed: Any) -> TableClause:
    """The table as this test writes it at revision 0008: ``columns`` untyped, ``typed`` with
    their types."""
    return table(name, *(column(c) for c in columns), *(column(c, t) for c, t in typed.items()))


def _tables() -> dict[str, TableClause]:
    stamps = {"created_at": UtcDateTime(), "updated_at": UtcDateTime()}
    lists = dict.fromkeys(("aliases", "themes", "service_objects", "channels"), JSON())
    plain = [c for c in ITEM if c not in lists and c not in stamps]
    snapshots = {"changed_at": UtcDateTime(), "before": Snapshot, "after": Snapshot}
    tables = [
        _table("regions", "id", "code", "name", "version", **stamps),
        _table("organizations", "id", "region_id", "kind", "name", "version", **stamps),
        _table("service_items", "id", "name", "department_id", *plain, **lists, **stamps),
        _table("legal_bases", "id", "name", "version", **stamps),
        _table("service_items_legal_bases", "item_id", "legal_basis_id"),
        _table("materials", "id", "service_item_id", "position", "name", "required", "exempt"),
        _table("change_records", *RECORD_COLUMNS, "department_id", **snapshots),
    ]
    return {t.name: t for t in tables}


def _load(connection) -> None:
    t = _tables()
    connection.execute(
        t["regions"].insert(),
        [
            {"id": 1, "code": "511602", "name": "广安区", **COMMON},
            {"id": 2, "code": "445302", "name": "云城区", **COMMON},
        ],
    )
    connection.execute(
        t["organizations"].insert(),
        [
            {"id": 1, "region_id": 1, "kind": "department", "name": "区公安分局", **COMMON},
            {"id": 2, "region_id": 2, "kind": "department", "name": "区民政局", **COMMON},
        ],
    )
    for item_id, (department, values, source, later) in ITEMS.items():
        row = {**ITEM, **values, "id": item_id, "department_id": department}
        if later:
            row.update(later[1])
        connection.execute(t["service_items"].insert(), [row])
        snapshot = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
        created = {
            **snapshot,
            **(later[0] if later else {}),
            "materials": [] if item_id != 2 else [{"name": "户口簿"}],
        }
        records = [
            {
                "entity_type": "service_item",
                "entity_id": item_id,
                "action": "create",
                "version": 1,
                "actor": source,
                "source": source,
                "department_id": department,
                "changed_at": THEN,
                "before": None,
                "after": created,
            }
        ]
        if later:
            records.append(
                {
                    **records[0],
                    "action": "update",
                    "version": 2,
                    "source": "api",
                    "before": created,
                    "after": {**snapshot, "materials": []},
                }
            )
        connection.execute(t["change_records"].insert(), records)
    connection.execute(
        t["materials"].insert(),
        [
            {
                "id": 1,
                "service_item_id": 2,
                "position": 0,
                "name": "户口簿",
                "required": True,
                "exempt": False,
            }
        ],
    )
    connection.execute(
        t["legal_bases"].insert(), [{"id": 1, "name": "中华人民共和国婚姻法", **COMMON}]
    )
    connection.execute(
        t["service_items_legal_bases"].insert(), [{"item_id": 2, "legal_basis_id": 1}]
    )


def test_migration_0010_turns_defaults_into_unknown_and_keeps_facts(
    app, tmp_path_factory, worker_id
):
    """(``app`` is requested so the PostgreSQL pass, which keeps database tests only, runs it.)"""
    for url in postgres.throwaway_database(tmp_path_factory.mktemp("m10"), f"m10_{worker_id}"):
        old = app_on(url, tmp_path_factory.mktemp("index"), SEARCH_DRAIN_IN_PROCESS=False)
        with old.app_context():
            upgrade(revision="0008")
            with db.engine.begin() as connection:
                _load(connection)
            upgrade()
            with db.engine.begin() as connection:
                items = {row.id: row for row in connection.execute(select(ServiceItem.__table__))}
                guangan = items[1]
                unknown = ("case_type", "onsite_visits", "is_charged", "legal_time_unit")
                assert {name: guangan._mapping[name] for name in unknown} == dict.fromkeys(unknown)
                assert (
                    not guangan.legal_no_limit
                    and not guangan.materials_known
                    and guangan.service_objects is None
                )
                yuncheng = items[2]
                assert (yuncheng.case_type, yuncheng.onsite_visits, yuncheng.is_charged) == (
                    "1",
                    0,
                    False,
                )
                assert (
                    yuncheng.legal_no_limit
                    and yuncheng.legal_time_unit is None
                    and yuncheng.materials_known
                )
                api = {
                    "onsite_visits": None,
                    "is_charged": None,
                    "materials_known": False,
                    "legal_time_limit": 20,
                }
                assert {name: items[3]._mapping[name] for name in api} == api
                assert items[4].onsite_visits == 0  # set by a later change: stated
                assert (items[5].is_charged, items[5].onsite_visits) == (True, 2)
                assert (
                    connection.scalar(select(func.count()).select_from(Material)) == 1
                )  # no cascade
                # legal_bases is copied by a later migration; its citations must survive the copy
                assert connection.execute(
                    text("SELECT item_id, legal_basis_id FROM service_items_legal_bases")
                ).all() == [(2, 1)]
                corrected = connection.execute(
                    select(ChangeRecord.entity_id, ChangeRecord.after).where(
                        ChangeRecord.source == "migration"
                    )
                ).all()
                assert sorted(entity for entity, _after in corrected) == [1, 2, 3, 4, 5]
                first = dict(corrected)[1]
                assert (
                    first["onsite_visits"] is None
                    and first["materials"] is None
                    and first["version"] == 2
                )
                assert connection.scalar(select(func.count()).select_from(SearchOutbox)) == 5
                assert items[1].version == 2 and items[1].unfilled_elements is not None
                facts = connection.execute(
                    select(*FigureFact.__table__.columns).order_by(FigureFact.record_id)
                ).all()
                rebuild_figure_facts(connection)
                assert (
                    connection.execute(
                        select(*FigureFact.__table__.columns).order_by(FigureFact.record_id)
                    ).all()
                    == facts
                )
                if connection.dialect.name == "sqlite":
                    assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            downgrade(revision="0008")
            with db.engine.begin() as connection:
                restored = connection.execute(
                    text("SELECT onsite_visits, case_type FROM service_items WHERE id = 1")
                ).one()
                assert tuple(restored) == (0, "2")
            db.engine.dispose()
