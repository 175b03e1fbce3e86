"""A legal basis revised (修订) or abolished (废止), traced to every item that cites it.

The 2020 report's 规范性文件清理 ("与法律、法规、规章和国家政策相抵触或者不一致的，及时提出修改
或者废止") needs the items resting on a changed basis found and reviewed. Revising or abolishing a
basis here, in one transaction:

- marks it 已修订 (superseded by a new version, created with its 文号 and dates) or 已废止;
- lists every 权责事项, 实施清单事项 and 监管事项 citing it, by list and department;
- opens, for each item's department, a revision (修订: the citation moved to the new version,
  for the department to check and submit) or a review task (废止, or an item whose change cannot
  be staged now) — a BasisReview each;
- records every step in the audit trail.

A review stays pending while its item, not cancelled, still cites the changed basis, so the
ordinary workflow (a revision approved, an item cancelled) is what closes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ..models import BasisReview, LegalBasis, LegalBasisChange, Organization, Revision
from ..models.legal_changes import CHANGE_KINDS
from ..models.powers import power_item_citations
from ..models.services import service_item_citations
from ..models.supervision import supervision_item_citations
from . import crud, workflow
from .errors import conflict, not_found
from .history import record_change, snapshot_of
from .permissions import Actor, authorize, departments_where, use_case
from .registry import LEGAL_BASES, POWER_ITEMS, SERVICE_ITEMS, SUPERVISION_ITEMS, ListSpec
from .tabular_files import Exported, exported
from .tabular_files import Table as Sheet
from .versions import flush_versioned, require_version

CITING: tuple[tuple[ListSpec, Table], ...] = (
    (POWER_ITEMS, power_item_citations),
    (SERVICE_ITEMS, service_item_citations),
    (SUPERVISION_ITEMS, supervision_item_citations),
)
SPECS = {spec.entity_type: spec for spec, _table in CITING}
CHANGE_ENTITY = "legal_basis_change"
REVIEW_ENTITY = "basis_review"


@dataclass(frozen=True)
class Citation:
    """An item citing a basis, as its department and the public know it."""

    spec: ListSpec
    item_id: int
    name: str
    department_id: int | None
    department: str
    status: str  # the item's workflow status ("deleted" for a draft deleted since)
    cites: bool = True  # the item still cites the basis
    review: BasisReview | None = None
    revision: Revision | None = None

    @property
    def pending(self) -> bool:
        return self.cites and self.status not in ("cancelled", "deleted")


def _citing(
    session: Session, spec: ListSpec, table: Table, basis_id: int, ids: list[int] | None = None
) -> list[Citation]:
    model, department = spec.workflow_model, spec.owner_column()
    query = (
        select(model.id, spec.name_column(), department, Organization.name, model.status)
        .join(table, table.c.item_id == model.id)
        .join(Organization, Organization.id == department)
        .where(table.c.legal_basis_id == basis_id)
        .order_by(department, model.id)
    )
    if ids is not None:
        query = query.where(model.id.in_(ids))
    return [Citation(spec, *row) for row in session.execute(query)]


def citing_items(
    session: Session, basis_id: int, readable: frozenset[int] | None = None
) -> list[Citation]:
    """Every item citing the basis, list by list, department by department."""
    found = [c for spec, table in CITING for c in _citing(session, spec, table, basis_id)]
    return [c for c in found if readable is None or c.department_id in readable]


def _basis(session: Session, basis_id: int) -> LegalBasis:
    basis = session.get(LegalBasis, basis_id) if 0 < basis_id < 2**31 else None
    if basis is None:
        raise not_found("法律依据", basis_id)
    return basis


@use_case("legal.read_impact")
def impact(session: Session, basis_id: int, actor: Actor) -> dict[str, Any]:
    """Who rests on a basis: the items citing it (those of the actor's readable departments),
    counted by list and department — before or after a change."""
    authorize(actor, "legal.read_impact")
    basis = _basis(session, basis_id)
    readable = departments_where(actor, "row.read_unpublished")
    items = [c for c in citing_items(session, basis.id, readable) if c.status != "cancelled"]
    groups = Counter((c.spec.label, c.department) for c in items)
    return {
        "basis": basis,
        "items": items,
        "groups": [
            {"list": k[0], "department": k[1], "items": n} for k, n in sorted(groups.items())
        ],
    }


def _load_new_version(
    session: Session, basis: LegalBasis, data: dict[str, Any], actor: Actor
) -> LegalBasis:
    new = LegalBasis(
        name=data.get("name") or basis.name,
        document_number=data["document_number"],
        issuer=data.get("issuer") or basis.issuer,
        effective_on=data["effective_on"],
        articles=data.get("articles"),
        category=data.get("category") or basis.category,
        version_label=data.get("version_label"),
        validity="effective",
    )
    session.add(new)
    session.flush()
    crud.record(session, LEGAL_BASES, new, "create", None, actor, note=f"{basis.name} 的新版本")
    return new


def _take_change(
    session: Session, basis_id: int, expected_version: int, actor: Actor
) -> LegalBasis:
    authorize(actor, "legal.change")
    basis = _basis(session, basis_id)
    require_version(basis, expected_version)
    if basis.validity != "effective":
        raise conflict(
            f"《{basis.name}》已{'修订' if basis.validity == 'superseded' else '废止'}，不能再次修订或废止。"
        )
    return basis


@use_case("legal.change")
def revise(
    session: Session, basis_id: int, data: dict[str, Any], expected_version: int, actor: Actor
) -> LegalBasisChange:
    """A new version supersedes the basis; each citing item gets a revision or a review."""
    basis = _take_change(session, basis_id, expected_version, actor)
    new = _load_new_version(session, basis, data, actor)
    return _change(session, basis, "revise", data, actor, new)


@use_case("legal.change")
def abolish(
    session: Session, basis_id: int, data: dict[str, Any], expected_version: int, actor: Actor
) -> LegalBasisChange:
    """The basis is abolished; each citing item's department gets a review."""
    basis = _take_change(session, basis_id, expected_version, actor)
    return _change(session, basis, "abolish", data, actor, None)


def _change(
    session: Session,
    basis: LegalBasis,
    kind: str,
    data: dict[str, Any],
    actor: Actor,
    new: LegalBasis | None,
) -> LegalBasisChange:
    before = LEGAL_BASES.snapshot(basis)
    basis.validity = "superseded" if new else "abolished"
    basis.abolished_on = data["effective_on"]
    basis.superseded_by_id = new.id if new else None
    flush_versioned(session)
    crud.record(
        session,
        LEGAL_BASES,
        basis,
        "update",
        before,
        actor,
        note=f"{CHANGE_KINDS[kind]}（{data['document_number']}）",
    )
    change = LegalBasisChange(
        legal_basis_id=basis.id,
        kind=kind,
        document_number=data["document_number"],
        decided_on=data["decided_on"],
        effective_on=data["effective_on"],
        new_basis_id=new.id if new else None,
        reason=data.get("reason"),
        actor=actor.name,
    )
    session.add(change)
    session.flush()
    after = _change_snapshot(change)
    record_change(
        session, CHANGE_ENTITY, change.id, "create", None, after, actor, None, note=change.reason
    )
    for citation in citing_items(session, basis.id):
        if citation.status != "cancelled":
            _open_review(session, change, basis, new, citation, actor)
    session.commit()
    return change


def _change_snapshot(change: LegalBasisChange) -> dict[str, Any]:
    return snapshot_of(
        change,
        "id legal_basis_id kind document_number decided_on effective_on new_basis_id reason",
    )


def _open_review(
    session: Session,
    change: LegalBasisChange,
    basis: LegalBasis,
    new: LegalBasis | None,
    citation: Citation,
    actor: Actor,
) -> None:
    spec = citation.spec
    row: Any = session.get_one(spec.model, citation.item_id)  # _citing has just read it
    revision = None
    if (
        new is not None
        and row.status in workflow.LIVE
        and workflow.open_revision_of(session, spec, row.id) is None
    ):
        cited = [new.id if i == basis.id else i for i in row.legal_basis_ids]
        revision = workflow.stage_revision(
            session, spec, row, {"legal_basis_ids": list(dict.fromkeys(cited))}, actor
        )
        note = f"设定依据《{basis.name}》已修订为{_version(new)}：已生成修订稿（改引新版本），请核对条款后提交审核。"
    elif new is not None:
        note = f"设定依据《{basis.name}》已修订为{_version(new)}：请在草稿或现有修订稿中改引新版本并核对条款。"
    else:
        note = (
            f"设定依据《{basis.name}》已于 {change.effective_on} 废止（{change.document_number}）：请改引现行有效的依据；"
            "无其他依据的，申请取消该事项。"
        )
    review = BasisReview(
        change_id=change.id,
        entity_type=spec.entity_type,
        entity_id=row.id,
        department_id=citation.department_id,
        revision_id=revision.id if revision else None,
        opened="revision" if revision else "review",
        note=note,
    )
    session.add(review)
    session.flush()
    after = {
        "id": review.id,
        "change_id": change.id,
        "entity_type": review.entity_type,
        "entity_id": review.entity_id,
        "revision_id": review.revision_id,
        "opened": review.opened,
        "note": note,
    }
    record_change(
        session, REVIEW_ENTITY, review.id, "create", None, after, actor, review.department_id
    )


def _version(basis: LegalBasis) -> str:
    label = "、".join(x for x in (basis.version_label, basis.document_number) if x)
    return f"《{basis.name}》（{label}）" if label else f"《{basis.name}》新版本"


# -- what is pending -----------------------------------------------------------------------------


def _states(session: Session, reviews: list[BasisReview]) -> list[Citation]:
    """Each review with its item as it now stands: pending while the item still cites the basis."""
    still_citing: dict[tuple[str, int, int], Citation] = {}
    for spec, table in CITING:
        by_basis: dict[int, list[int]] = {}
        for review in reviews:
            if review.entity_type == spec.entity_type:
                by_basis.setdefault(review.change.legal_basis_id, []).append(review.entity_id)
        for basis_id, ids in by_basis.items():
            for citation in _citing(session, spec, table, basis_id, ids):
                still_citing[(spec.entity_type, citation.item_id, basis_id)] = citation
    states = []
    for review in reviews:
        citation = still_citing.get(
            (review.entity_type, review.entity_id, review.change.legal_basis_id)
        ) or _no_longer_citing(session, review)
        revision = session.get(Revision, review.revision_id) if review.revision_id else None
        states.append(replace(citation, review=review, revision=revision))
    return states


def _no_longer_citing(session: Session, review: BasisReview) -> Citation:
    spec = SPECS[review.entity_type]
    row: Any = session.get(spec.model, review.entity_id)  # a row of one of the CITING lists
    if row is None:
        return Citation(
            spec, review.entity_id, "", review.department_id, "", "deleted", cites=False
        )
    return Citation(
        spec,
        row.id,
        spec.name_of(row),
        row.department_id,
        row.department.name,
        row.status,
        cites=False,
    )


@use_case("legal.read_impact")
def changes(session: Session, actor: Actor) -> list[LegalBasisChange]:
    authorize(actor, "legal.read_impact")
    return list(
        session.scalars(select(LegalBasisChange).order_by(LegalBasisChange.id.desc()).limit(500))
    )


@use_case("legal.read_impact")
def change_reviews(
    session: Session, change_id: int, actor: Actor
) -> tuple[LegalBasisChange, list[Citation]]:
    """A change and the reviews it opened (the actor's readable departments), each with whether
    it is still pending."""
    authorize(actor, "legal.read_impact")
    change = session.get(LegalBasisChange, change_id) if 0 < change_id < 2**31 else None
    if change is None:
        raise not_found("法律依据变更", change_id)
    readable = departments_where(actor, "row.read_unpublished")
    reviews = [r for r in change.reviews if readable is None or r.department_id in readable]
    return change, _states(session, reviews)


@use_case("legal.read_impact")
def pending_reviews(session: Session, actor: Actor) -> list[Citation]:
    """Reviews still pending for the actor's readable departments, oldest change first."""
    authorize(actor, "legal.read_impact")
    query = select(BasisReview).order_by(BasisReview.change_id, BasisReview.id)
    readable = departments_where(actor, "row.read_unpublished")
    if readable is not None:
        query = query.where(BasisReview.department_id.in_(sorted(readable)))
    return [c for c in _states(session, list(session.scalars(query))) if c.pending]


IMPACT_HEADERS = [
    "清单",
    "事项编号",
    "事项名称",
    "部门",
    "事项状态",
    "复核方式",
    "修订稿",
    "修订稿状态",
    "是否待处理",
    "复核要求",
]


@use_case("legal.read_impact")
def export_change(session: Session, change_id: int, fmt: str, actor: Actor) -> Exported:
    """A change's impact as a workbook: one row per citing item and its review."""
    change, states = change_reviews(session, change_id, actor)
    rows = [
        [
            c.spec.label,
            c.item_id,
            c.name,
            c.department,
            c.status,
            "修订稿" if c.review and c.review.opened == "revision" else "复核",
            c.revision.id if c.revision else "",
            workflow.REVISION_STATES.get(c.revision.state, "") if c.revision else "",
            "待处理" if c.pending else "已处理",
            c.review.note if c.review else "",
        ]
        for c in states
    ]
    title = f"{CHANGE_KINDS[change.kind]}影响-{change.legal_basis.name}"[:60]
    return exported(
        f"{title}-{date.today():%Y%m%d}", fmt, [Sheet("影响事项", IMPACT_HEADERS, rows)]
    )
