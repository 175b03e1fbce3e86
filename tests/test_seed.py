"""The seed datasets: 云城区 2020 reproduces its report's figures, 广安区 imports whole, both are
idempotent and every seeded row passes the rules it was created through.

Seeding 云城区 takes about 11 s on SQLite, so the datasets are seeded once per module into a
database of their own (SQLite file, or a PostgreSQL database with TEST_DATABASE=postgresql);
the shared test database the other tests roll back stays empty of seed rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import distinct, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.extensions import db
from catalog.models import (
    Bundle,
    ChangeRecord,
    DevolutionBatch,
    DevolvedItem,
    FigureFact,
    InspectionImplList,
    Inspector,
    Material,
    Organization,
    PowerItem,
    Region,
    SearchOutbox,
    ServiceItem,
    SupervisionItem,
)
from catalog.models.figure_facts import FACT_SOURCES, rebuild_figure_facts
from catalog.services import registry, search_documents
from catalog.services.codes import catalog_code_problem, uscc_problem
from seed import SeedReport, atomic_session
from seed.guangan import load_items, seed_guangan
from seed.yuncheng import SEED_AS_OF, seed_yuncheng
from tests.support import postgres
from tests.support.databases import app_on
from tests.test_unknown import guide_cell


@dataclass
class Seeded:
    app: Flask
    engine: Engine
    first: SeedReport
    second: SeedReport
    guangan_first: SeedReport
    guangan_second: SeedReport
    counts_before_second_run: dict[str, int]
    counts_after_second_run: dict[str, int]


def _table_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def _seed_both(engine: Engine) -> tuple[SeedReport, SeedReport, dict[str, int]]:
    """Each dataset seeded in its own transaction, and the tables' counts after."""
    with atomic_session(engine) as session:
        yuncheng = seed_yuncheng(session)
    with atomic_session(engine) as session:
        guangan = seed_guangan(session)
    with Session(engine) as session:
        return yuncheng, guangan, _table_counts(session)


@pytest.fixture(scope="module")
def seeded(
    app: Flask, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Seeded]:
    """Both datasets seeded, then seeded again, into a fresh database of this module's own.

    (``app`` is requested so the PostgreSQL pass, which keeps database tests only, runs these.)
    """
    for url in postgres.throwaway_database(tmp_path_factory.mktemp("seed"), f"seed_{worker_id}"):
        seed_app = app_on(url, tmp_path_factory.mktemp("seed-index"), SEARCH_DRAIN_IN_PROCESS=False)
        with seed_app.app_context():
            upgrade()
            engine = db.engine
            first, guangan_first, before = _seed_both(engine)
            second, guangan_second, after = _seed_both(engine)
            yield Seeded(
                seed_app, engine, first, second, guangan_first, guangan_second, before, after
            )
            engine.dispose()


@pytest.fixture
def s(seeded: Seeded) -> Iterator[Session]:
    with Session(seeded.engine) as session:
        yield session


def _region_id(session: Session, code: str) -> int:
    return session.scalar(select(Region.id).where(Region.code == code))


def _in_region(model_department_column, region_id: int):
    return model_department_column.in_(
        select(Organization.id).where(Organization.region_id == region_id)
    )


def _permits(session: Session, region_id: int):
    return select(ServiceItem).where(
        ServiceItem.item_type == "01",
        ServiceItem.status == "published",
        _in_region(ServiceItem.department_id, region_id),
    )


# -- 云城区: the report's figures, by SQL -------------------------------------------------


def test_permit_counts_instant_items_and_time_limits(s: Session) -> None:
    region = _region_id(s, "445302")
    permits = list(s.scalars(_permits(s, region)))
    assert len(permits) == 443
    instant = [p for p in permits if p.case_type == "1"]
    assert len(instant) == 423 and all(p.promised_time_limit == 0 for p in instant)
    assert sum(p.case_type == "2" for p in permits) == 20

    assert {p.legal_time_unit for p in permits} == {p.promised_time_unit for p in permits} == {"W"}
    legal = sum(p.legal_time_limit for p in permits)
    promised = sum(p.promised_time_limit for p in permits)
    assert (legal, promised) == (8000, 424)
    reduction = Fraction(legal - promised, legal)
    assert reduction == Fraction(947, 1000)
    assert all(p.promised_time_limit <= p.legal_time_limit for p in permits)


def test_visits_sum_to_two_with_reasons(s: Session) -> None:
    permits = list(s.scalars(_permits(s, _region_id(s, "445302"))))
    visiting = [p for p in permits if p.onsite_visits]
    assert sum(p.onsite_visits for p in permits) == 2
    assert all((p.onsite_reason or "").strip() for p in visiting)


def test_codes_are_unique_and_consistent(s: Session) -> None:
    region = _region_id(s, "445302")
    items = list(
        s.scalars(select(ServiceItem).where(_in_region(ServiceItem.department_id, region)))
    )
    codes = [item.implementation_code for item in items]
    assert len(set(codes)) == len(codes) == 500
    for item in items:
        assert catalog_code_problem(item.catalog_code, item.item_type) is None
        assert len(item.catalog_code) == 12
        assert item.implementation_code == item.department.uscc + "4" + item.catalog_code
        assert all(m.code.startswith(item.implementation_code) for m in item.materials)
    names = [item.name for item in items]
    assert len(set(names)) == len(names)
    supervision_codes = list(s.scalars(select(SupervisionItem.code)))
    assert len(set(supervision_codes)) == len(supervision_codes)
    assert all(len(code) == 14 and code.isdigit() for code in supervision_codes)


def test_organizations_have_valid_usccs(s: Session) -> None:
    region = _region_id(s, "445302")
    orgs = list(s.scalars(select(Organization).where(Organization.region_id == region)))
    assert all(
        o.uscc and uscc_problem(o.uscc) is None and o.uscc.startswith("11445302") for o in orgs
    )
    townships = {o.short_name: o.kind for o in orgs if o.kind in ("street", "township")}
    assert townships == {
        "云城街道": "street",
        "高峰街道": "street",
        "河口街道": "street",
        "安塘街道": "street",
        "腰古镇": "township",
        "思劳镇": "township",
        "前锋镇": "township",
        "南盛镇": "township",
    }
    city = s.get(Region, s.get(Region, region).parent_id)
    assert (city.code, s.get(Region, city.parent_id).code) == ("445300", "440000")


def test_electronic_certificates_and_license_free_items(s: Session) -> None:
    region = _region_id(s, "445302")
    linked = (
        select(ServiceItem.id, ServiceItem.department_id)
        .join(Material, Material.service_item_id == ServiceItem.id)
        .where(
            Material.e_license_name.is_not(None),
            ServiceItem.status == "published",
            _in_region(ServiceItem.department_id, region),
        )
        .distinct()
        .subquery()
    )
    assert s.scalar(select(func.count()).select_from(linked)) == 97
    departments = set(s.scalars(select(linked.c.department_id).distinct()))
    assert len(departments) == 24
    names = set(s.scalars(select(Organization.short_name).where(Organization.id.in_(departments))))
    assert {"云城公安分局", "区民政局", "区发展改革局", "自然资源云城分局"} <= names
    free = s.scalar(
        select(func.count(distinct(Material.service_item_id))).where(
            Material.e_license_name.is_not(None), Material.exempt.is_(True)
        )
    )
    assert free == 74
    # 免提交 without a certificate exists but is not 免证办.
    assert (
        s.scalar(
            select(func.count()).where(Material.exempt.is_(True), Material.e_license_name.is_(None))
        )
        > 0
    )
    # only 许可 items carry certificates, so the count is the same over 许可 and over every type
    assert set(
        s.scalars(
            select(ServiceItem.item_type).distinct().where(ServiceItem.id.in_(select(linked.c.id)))
        )
    ) == {"01"}


def test_bundles(s: Session) -> None:
    bundles = list(s.scalars(select(Bundle).where(Bundle.status == "published")))
    assert len(bundles) == 33
    assert all(bundle.members for bundle in bundles)
    assert {"开办餐饮店", "新生儿出生", "退休"} <= {b.name for b in bundles}


def test_devolution_batch(s: Session) -> None:
    batch = s.scalars(
        select(DevolutionBatch).where(
            DevolutionBatch.title == "云城区第一批下放镇级实施行政职权事项目录"
        )
    ).one()
    items = list(s.scalars(select(DevolvedItem).where(DevolvedItem.batch_id == batch.id)))
    assert len(items) == 44
    modes = {mode: sum(i.mode == mode for i in items) for mode in {i.mode for i in items}}
    assert modes == {"transfer": 36, "entrust": 8}
    assert all(i.entrusting_department_id for i in items if i.mode == "entrust")
    receivers = {t.kind for i in items for t in i.receivers}
    assert receivers == {"street", "township"}
    assert all(i.receivers and i.power_item_id for i in items)


def test_supervision_items_inspections_and_lists(s: Session) -> None:
    region = _region_id(s, "445302")
    in_region = _in_region(SupervisionItem.department_id, region)
    main_items = s.scalar(
        select(func.count()).where(SupervisionItem.parent_id.is_(None), in_region)
    )
    assert main_items == 484
    inspection = (
        SupervisionItem.supervision_type == "06",
        SupervisionItem.status == "published",
        SupervisionItem.claimed.is_(True),
        in_region,
    )
    assert s.scalar(select(func.count()).where(*inspection)) == 506
    children = SupervisionItem.__table__.alias("child")
    has_child = select(children.c.id).where(children.c.parent_id == SupervisionItem.id).exists()
    assert (
        s.scalar(select(func.count()).where(*inspection, ~has_child)) == 506
    )  # counted as leaves too
    with_list = (
        select(InspectionImplList.id)
        .where(
            InspectionImplList.supervision_item_id == SupervisionItem.id,
            InspectionImplList.status == "published",
        )
        .exists()
    )
    assert s.scalar(select(func.count()).where(*inspection, with_list)) == 502
    assert (
        s.scalar(
            select(func.count())
            .select_from(InspectionImplList)
            .where(InspectionImplList.status == "published")
        )
        == 502
    )


def test_inspectors_across_28_enforcement_units(s: Session) -> None:
    region = _region_id(s, "445302")
    in_region = _in_region(Inspector.department_id, region)
    assert s.scalar(select(func.count()).where(in_region)) == 508
    assert s.scalar(select(func.count(distinct(Inspector.department_id))).where(in_region)) == 28
    assert s.scalar(select(func.count(distinct(Inspector.certificate_number)))) == 508
    units = set(s.scalars(select(Inspector.department_id).distinct()))
    supervising = set(s.scalars(select(SupervisionItem.department_id).distinct()))
    assert supervising == units


def test_every_seeded_row_passes_the_rules(s: Session) -> None:
    checked = 0
    for spec in registry.ALL_LISTS:
        for row in s.scalars(select(spec.model)):
            spec.schema().load(_loadable(spec, row))  # field validation
            if spec.check:
                problems = spec.check(s, row)
                assert not problems, (spec.name, row.id, dict(problems.by_field))
            checked += 1
    assert checked > 4000


def _loadable(spec: registry.ListSpec, row: object) -> dict:
    """A row's snapshot without the fields the server owns (what a client could send back)."""
    schema = spec.schema()
    loadable = {}
    for name, value in schema.dump(row).items():
        if name not in schema.load_fields:
            continue
        if isinstance(value, list):
            value = [
                {k: v for k, v in x.items() if k != "id"} if isinstance(x, dict) else x
                for x in value
            ]
        loadable[name] = value
    return loadable


def test_history_is_dated_2020_12_31_and_outbox_written(seeded: Seeded, s: Session) -> None:
    records = list(s.scalars(select(ChangeRecord).where(ChangeRecord.actor == "seed")))
    dated = [r for r in records if _as_utc(r.changed_at) == SEED_AS_OF]
    assert len(dated) == seeded.first.total_created  # one "create" per 云城区 row, all dated
    assert all(r.action == "create" and r.source == "seed" and r.after for r in dated)
    assert len(records) == seeded.first.total_created + seeded.guangan_first.total_created
    searchable = {"service_item", "power_item", "devolved_item", "supervision_item"}
    # every change of a searchable row has its outbox row: the seed's creations, and the demo's
    # revisions approved after a document was abolished (made by the departments' demo users)
    everyone = list(s.scalars(select(ChangeRecord)))
    queued = Counter(
        tuple(row) for row in s.execute(select(SearchOutbox.entity_type, SearchOutbox.entity_id))
    )
    own = Counter((r.entity_type, r.entity_id) for r in everyone if r.entity_type in searchable)
    assert not own - queued, "every searchable change is queued"
    # and, once more, the 权责 twin of each service item changed (its document is merged into
    # the service item's hit: catalog.services.search_twins)
    twins = queued - own
    assert twins and {kind for kind, _id in twins} == {"power_item"}
    service_names = set(s.scalars(select(ServiceItem.name)))
    assert all(s.get(PowerItem, row_id).name in service_names for _kind, row_id in twins)
    # the rows themselves were created as of the same moment
    item = s.scalars(select(ServiceItem).where(ServiceItem.item_type == "01")).first()
    assert _as_utc(item.created_at) == SEED_AS_OF


def test_every_seeded_change_wrote_its_figure_fact(s: Session) -> None:
    """The seed writes every list the figures count through crud and the workflow, dated back:
    each change has its fact, written from the row, equal to the one rebuilt from the
    history's snapshots (a write path that forgot its fact fails here)."""
    columns = list(FigureFact.__table__.columns)
    kept = s.execute(select(*columns).order_by(FigureFact.record_id)).all()
    counted = select(func.count()).where(ChangeRecord.entity_type.in_(FACT_SOURCES))
    assert len(kept) == s.scalar(counted)
    assert {fact.entity_type for fact in kept} == set(FACT_SOURCES)
    try:
        rebuild_figure_facts(s.connection())
        assert s.execute(select(*columns).order_by(FigureFact.record_id)).all() == kept
    finally:
        s.rollback()  # the module's database keeps the facts its writes made


def _as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC, PostgreSQL an aware datetime."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def test_figures_as_of_2020_12_31_reproduce_the_report(seeded: Seeded, s: Session) -> None:
    from catalog.services import statistics

    region = _region_id(s, "445302")
    for as_of in (None, date(2020, 12, 31)):
        down = {
            f["key"]: f for f in statistics.figures(s, rule="DOWN", region_id=region, as_of=as_of)
        }
        half_up = {
            f["key"]: f
            for f in statistics.figures(s, rule="HALF_UP", region_id=region, as_of=as_of)
        }
        assert down["instant_share"]["display"] == "95.48%"
        assert down["time_reduction"]["display"] == half_up["time_reduction"]["display"] == "94.70%"
        assert (
            half_up["time_reduction"]["numerator"],
            half_up["time_reduction"]["denominator"],
        ) == (7576, 8000)
        assert half_up["average_visits"]["display"] == "0.0045"
        assert half_up["e_license_items"]["display"] == "97"
        assert half_up["license_free_items"]["display"] == "74"
        assert half_up["bundles"]["display"] == "33"
        assert half_up["inspection_list_completion"]["display"] == "99.21%"


def test_the_dashboard_reads_the_facts_once_and_shows_what_each_figure_query_shows(
    seeded: Seeded, s: Session
) -> None:
    """The dashboard adds up its departments' totals for the scope's figures (one grouped read):
    every figure of the seeded catalogs equals the figures service's, and each department's row
    equals its figures read on their own, live and as of the report's day, under both rules."""
    from catalog.services import figure_views, statistics

    for scope in (
        {},
        {"region_id": _region_id(s, "445302")},
        {"region_id": _region_id(s, "445302"), "as_of": date(2020, 12, 31)},
        {"region_id": _region_id(s, "511602")},
    ):
        for rule in ("DOWN", "HALF_UP"):
            shown = figure_views.dashboard(s, rule=rule, **scope)
            assert shown.figures == statistics.figures(s, rule=rule, **scope)
            alone = {
                row["department"]: {f["key"]: f["display"] for f in row["figures"]}
                for row in statistics.by_department(s, rule=rule, **scope)
            }
            pages = [shown.departments] + [
                figure_views.dashboard(s, rule=rule, page=n, **scope).departments
                for n in range(2, shown.departments.pages + 1)
            ]
            rows = [row for page in pages for row in page.rows]
            assert len(rows) == shown.departments.total > 0
            for name, values in rows:
                if name in alone:
                    assert [v.figure.display() for v in values] == [
                        alone[name][key] for key, _label in shown.departments.columns
                    ]
                else:  # nothing of the department in scope: every figure 0/0
                    assert all(v.empty for v in values)


# -- idempotency ---------------------------------------------------------------------------


def test_second_run_changes_nothing(seeded: Seeded) -> None:
    assert seeded.first.total_created == 3352
    assert seeded.second.total_created == 0
    assert sum(seeded.second.existing.values()) == seeded.first.total_created
    assert seeded.guangan_second.total_created == 0
    assert seeded.counts_after_second_run == seeded.counts_before_second_run


def test_cli_seed_commands(seeded: Seeded) -> None:
    runner = seeded.app.test_cli_runner()
    result = runner.invoke(args=["seed", "all"])
    assert result.exit_code == 0, result.output
    assert "云城区 2020: 新建 0 行，已有 3352 行" in result.output
    assert "广安区: 新建 0 行，已有 1172 行" in result.output
    # the command leaves the index in sync: it drained the outbox the service layer filled
    assert "搜索索引已同步" in result.output
    with Session(seeded.engine) as session:
        assert _table_counts(session) == {**seeded.counts_after_second_run, "search_outbox": 0}


# -- 广安区 ---------------------------------------------------------------------------------


def test_guangan_imports_every_item(seeded: Seeded, s: Session) -> None:
    source = load_items()
    region = _region_id(s, "511602")
    items = list(
        s.scalars(select(ServiceItem).where(_in_region(ServiceItem.department_id, region)))
    )
    assert len(source) == len(items) == 1135
    assert s.scalar(select(func.count()).where(Organization.region_id == region)) == 34
    assert sorted(i.name for i in items) == sorted(x["name"].strip() for x in source)
    assert sorted(i.local_code for i in items) == sorted(x["item_code"] for x in source)
    by_type = {t: sum(i.item_type == t for i in items) for t in {i.item_type for i in items}}
    assert by_type == {"01": 536, "20": 348, "10": 182, "07": 50, "05": 9, "09": 8, "08": 2}
    assert all(i.status == "published" for i in items)
    # the file states none of these: 未填报, never a default that reads as a fact
    assert all(
        i.case_type is None and i.onsite_visits is None and i.is_charged is None for i in items
    )
    assert all(
        i.legal_time_limit is None and not i.legal_no_limit and i.legal_time_unit is None
        for i in items
    )
    assert all(not i.materials_known and i.service_objects is None for i in items)
    assert all(i.implementation_code is None for i in items)
    departments = list(s.scalars(select(Organization).where(Organization.region_id == region)))
    assert all(d.uscc is None or uscc_problem(d.uscc) is None for d in departments)
    assert sum(d.uscc is not None for d in departments) == 9
    aliased = [i for i in items if i.aliases]
    assert "未分类" not in {a for i in aliased for a in i.aliases}
    assert len(aliased) == sum(1 for x in source if x["main_item"] != "未分类")


# -- the loader on the shared test session (a scoped session inside a SAVEPOINT) ------------


def test_loader_dates_only_what_it_creates_and_skips_what_exists(session) -> None:
    from catalog.services import crud
    from catalog.services.permissions import Actor
    from seed import Loader

    with Loader(session, "test", as_of=SEED_AS_OF) as loader:
        first = loader.ensure(registry.REGIONS, ("code",), {"code": "445399", "name": "测试区"})
        again = loader.ensure(
            registry.REGIONS, ("code",), {"code": "445399", "name": "改名也不覆盖"}
        )
    assert first == again
    assert (loader.report.created["regions"], loader.report.existing["regions"]) == (1, 1)
    region = session.get(Region, first)
    assert region.name == "测试区" and _as_utc(region.created_at) == SEED_AS_OF
    later = crud.create_row(
        session, registry.REGIONS, {"code": "445398", "name": "之后"}, Actor.system()
    )
    history = {
        r.entity_id: _as_utc(r.changed_at)
        for r in session.scalars(select(ChangeRecord).where(ChangeRecord.entity_type == "region"))
    }
    assert history[first] == SEED_AS_OF
    assert history[later.id] > datetime(2025, 1, 1, tzinfo=UTC)  # the listener is gone


# -- the auditors' command -----------------------------------------------------------------


COUNTS = {
    "监管事项数": "484",
    "下放镇街事项数": "44",
    "行政执法主体数": "28",
    "持证执法人员数": "508",
    "电子证照事项数": "97",
    "电子证照事项涉及部门数": "24",
    "免证办事项数": "74",
    "一件事数": "33",
}


@pytest.mark.parametrize(
    "rule, shown",
    [
        ("DOWN", ["95.48%", "94.70%", "0.0045", "99.20%", "423/443", "502/506", "7576/8000"]),
        ("HALF_UP", ["95.49%", "94.70%", "0.0045", "99.21%", "423/443", "502/506"]),
    ],
)
def test_stats_command_prints_the_report_figures(
    seeded: Seeded, rule: str, shown: list[str]
) -> None:
    runner = seeded.app.test_cli_runner()
    result = runner.invoke(args=["stats", "--region", "445302", "--rule", rule])
    assert result.exit_code == 0, result.output
    for text in shown:
        assert text in result.output


def test_stats_prints_the_report_counts_unchanged_as_of_2020_12_31(seeded: Seeded) -> None:
    import json

    runner = seeded.app.test_cli_runner()
    for as_of in ([], ["--as-of", "2020-12-31"]):
        result = runner.invoke(args=["stats", "--region", "445302", *as_of])
        assert result.exit_code == 0, result.output
        lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
        for label, count in COUNTS.items():
            assert lines[label].split()[1] == count, (as_of, lines[label])
        assert result.output.splitlines()[0].startswith(
            "口径：行政区划：云城区（445302）；部门：全部；"
        )
    live = json.loads(runner.invoke(args=["stats", "--json", "--region", "445302"]).output)
    then = json.loads(
        runner.invoke(
            args=["stats", "--json", "--region", "445302", "--as-of", "2020-12-31"]
        ).output
    )
    assert [(f["key"], f["numerator"], f["denominator"], f["unknown"]) for f in live] == [
        (f["key"], f["numerator"], f["denominator"], f["unknown"]) for f in then
    ]
    assert all(f["unknown"] == 0 for f in live)  # the dataset states every input of the report


def test_guangan_shows_what_its_source_does_not_give_as_unstated(
    seeded: Seeded, s: Session
) -> None:
    region = _region_id(s, "511602")
    passport = s.scalars(
        select(ServiceItem).where(
            ServiceItem.name == "普通护照签发", _in_region(ServiceItem.department_id, region)
        )
    ).one()
    client = seeded.app.test_client()
    page = client.get(f"/items/service/{passport.id}").get_data(as_text=True)
    for row in ("到办事现场次数", "法定办结时限", "承诺办结时限"):
        assert "未填报" in guide_cell(page, row)
    for section in ("materials", "fees"):
        assert "未填报" in page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    assert "零跑动" not in page and "无需提交材料" not in page and "不收费" not in page
    body = client.get(f"/api/v1/service-items/{passport.id}").json
    assert [
        body[k]
        for k in (
            "onsite_visits",
            "legal_time_limit",
            "promised_time_limit",
            "materials",
            "is_charged",
        )
    ] == [None] * 5

    figures = {
        f["key"]: f
        for f in client.get(
            f"/api/v1/stats/figures?region_id={region}&item_types=01&item_types=20"
        ).json["figures"]
    }
    zero = figures["zero_visit_rate"]
    assert (zero["numerator"], zero["denominator"], zero["display"]) == (0, 0, "全部未填报")
    assert zero["unknown"] == zero["in_scope"] == 884
    document = search_documents.document(s, "service_item", passport.id)
    assert document.zero_visit is None and document.instant is None
    documents = [d for d in search_documents.published_documents(s) if d.region == "广安区"]
    assert len(documents) == 1135 and not any(
        d.zero_visit is not None or d.instant is not None for d in documents
    )

    lists = client.get(f"/api/v1/stats/completeness?region_id={region}").json["lists"]
    service = next(f for f in lists if f["list"] == "service_item")
    assert (service["numerator"], service["denominator"]) == (0, 536)
    missing = {e["key"]: e["missing"] for e in service["elements"]}
    assert (
        missing["onsite_visits"]
        == missing["materials"]
        == missing["is_charged"]
        == missing["legal_time_limit"]
        == 536
    )
    rows = client.get(
        f"/api/v1/stats/completeness/service-items/rows?region_id={region}&element=materials"
    ).json["rows"]
    assert passport.id in {row["id"] for row in rows}


def test_yuncheng_completeness_names_what_its_data_leaves_out(seeded: Seeded, s: Session) -> None:
    region = _region_id(s, "445302")
    result = seeded.app.test_cli_runner().invoke(
        args=["stats", "completeness", "--region", "445302"]
    )
    assert result.exit_code == 0, result.output
    assert "实施清单要素完整率" in result.output and "检查实施清单完备度" in result.output
    lists = {
        f["list"]: f
        for f in seeded.app.test_client()
        .get(f"/api/v1/stats/completeness?region_id={region}&as_of=2020-12-31")
        .json["lists"]
    }
    assert lists["inspection_impl_list"]["denominator"] == 502
    assert lists["service_item"]["denominator"] == 443 and lists["service_item"]["unknown"] == 0
    missing = {e["key"]: e["missing"] for e in lists["service_item"]["elements"]}
    assert missing["onsite_visits"] == missing["case_type"] == missing["materials"] == 0


def test_stats_as_of_the_day_before_the_seed_is_empty(seeded: Seeded) -> None:
    """The seed is dated 2020-12-31 00:00 China time: it is in "as of 2020-12-31" and not in
    "as of 2020-12-30", on SQLite (which keeps no time zone) as on PostgreSQL."""
    runner = seeded.app.test_cli_runner()
    before = runner.invoke(args=["stats", "--json", "--region", "445302", "--as-of", "2020-12-30"])
    on_the_day = runner.invoke(
        args=["stats", "--json", "--region", "445302", "--as-of", "2020-12-31"]
    )
    import json

    before_figures = {f["key"]: f for f in json.loads(before.output)}
    day_figures = {f["key"]: f for f in json.loads(on_the_day.output)}
    assert before_figures["instant_share"]["denominator"] == 0
    assert (
        day_figures["instant_share"]["numerator"],
        day_figures["instant_share"]["denominator"],
    ) == (423, 443)
    assert day_figures["instant_share"]["as_of"].startswith("2020-12-31T23:59:59")


def test_stats_command_rejects_an_unknown_region(seeded: Seeded) -> None:
    result = seeded.app.test_cli_runner().invoke(args=["stats", "--region", "999999"])
    assert result.exit_code != 0
    assert "999999" in result.output


# -- 双随机、一公开 and the abolished documents (seed/yuncheng/oversight.py) ------------------------


def test_the_2020_joint_draw_reruns_identically_and_its_results_are_public(
    seeded: Seeded, s: Session
) -> None:
    from catalog.models import RandomCheckTask
    from catalog.services import draw_verification, draw_views
    from catalog.services.permissions import ANONYMOUS

    joint = s.scalars(select(RandomCheckTask).where(RandomCheckTask.code == "YC-2020-SJ-04")).one()
    assert joint.joint and len(joint.cooperating_departments) == 2 and joint.state == "drawn"
    assert (joint.draw.pool_size, joint.draw.sample_size) == (30, 6)
    # every result is published, so the public may read and re-run the draw
    report = draw_verification.verify_draw(s, joint.id, ANONYMOUS)
    assert report["identical"] and all(report["checks"].values())
    view = draw_views.draw_view(joint.draw)
    assert [r["reason_code"] for r in view["replacements"]].count("conflict") == 1
    assert all(len(team["inspectors"]) == 2 for t in view["targets"] for team in t["teams"])
    assert [t["on_time"] for t in view["targets"]] == [True, True, True, False, True, True]
    client = seeded.app.test_client()
    page = client.get(f"/random-checks/{joint.id}")
    assert page.status_code == 200 and "逐字节一致" in page.text and view["seed"] in page.text
    results = client.get("/api/v1/random-check-results?year=2020").json
    assert results["total"] == 9


def test_the_oversight_figures_of_the_demo(seeded: Seeded, s: Session) -> None:
    from catalog.services import supervision_figures

    region = _region_id(s, "445302")
    shown = supervision_figures.oversight_figures(s, region_id=region)
    figures = {f["key"]: f for f in shown["figures"]}
    assert (figures["joint_share"]["numerator"], figures["joint_share"]["denominator"]) == (1, 2)
    assert (figures["results_on_time"]["numerator"], figures["results_on_time"]["denominator"]) == (
        8,
        9,
    )
    assert figures["results_on_time"]["display"] == "88.89%"
    assert (
        figures["main_item_coverage"]["numerator"],
        figures["main_item_coverage"]["denominator"],
    ) == (4, 484)
    assert figures["citing_invalid_bases"]["numerator"] == 6
    assert sorted((f["numerator"], f["denominator"]) for f in shown["ratios"]) == [
        (3, 60),
        (6, 30),
        (6, 30),
        (6, 30),
    ]


def test_the_two_abolished_documents_and_their_effect(seeded: Seeded, s: Session) -> None:
    from catalog.models import LegalBasis, LegalBasisChange
    from catalog.services import legal_changes
    from catalog.services.permissions import Actor

    changes = list(s.scalars(select(LegalBasisChange).order_by(LegalBasisChange.effective_on)))
    assert [(c.kind, c.legal_basis.category, c.legal_basis.issuer) for c in changes] == [
        ("abolish", "normative_document", "云浮市云城区人民政府办公室")
    ] * 2
    assert all(c.legal_basis.validity == "abolished" for c in changes)
    operator = Actor.system("tests")
    revised, pending = (legal_changes.change_reviews(s, c.id, operator)[1] for c in changes)
    assert len(revised) == 6 and not any(c.pending for c in revised)  # revised and approved in 2020
    assert len(pending) == 6 and all(c.pending for c in pending)  # still awaiting their department
    assert {c.spec.name for c in pending} == {"power-items", "service-items", "supervision-items"}
    service = next(c for c in pending if c.spec.name == "service-items")
    page = seeded.app.test_client().get(f"/items/service/{service.item_id}")
    assert "本事项引用的设定依据已废止" in page.text
    assert (
        s.scalar(
            select(func.count()).select_from(LegalBasis).where(LegalBasis.validity == "abolished")
        )
        == 2
    )


def test_stats_command_shows_the_draws_and_the_abolished_documents(seeded: Seeded) -> None:
    result = seeded.app.test_cli_runner().invoke(args=["stats", "--region", "445302"])
    assert result.exit_code == 0, result.output
    for text in (
        "联合抽查占比",
        "50.00%",
        "抽查结果按时公示率",
        "8/9",
        "监管事项主项覆盖率",
        "4/484",
        "引用已废止或已修订依据的已发布事项数",
        "云浮市云城区城区临时占道经营管理暂行办法",
        "待处理 6",
    ):
        assert text in result.output
