"""The search documents the catalog builds from its rows (Core reads of only the columns a
document needs) equal those built from whole ORM rows, field for field, for every list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.models import DevolvedItem, PowerItem, ServiceItem, SupervisionItem
from catalog.models.codes import (
    CASE_TYPE_INSTANT,
    DEVOLUTION_MODES,
    ITEM_TYPES,
    SERVICE_OBJECT_AUDIENCE,
    SUPERVISION_TYPES,
)
from catalog.services import registry, search_documents
from search.documents import SearchDocument
from tests import factories

# The reference: each document as the ORM row reads (the way documents were first built).


def _common(kind: str, row: Any, department: Any) -> dict[str, Any]:
    return {
        "id": f"{kind}:{row.id}",
        "kind": kind,
        "department": department.name if department else "",
        "department_id": str(department.id) if department else "",
        "region": department.region.name if department else "",
        "version": row.version,
        "updated_at": row.updated_at,
    }


def _reference(row: Any) -> dict[str, Any]:
    if isinstance(row, ServiceItem):
        return {
            **_common("service", row, row.department),
            "name": row.name,
            "aliases": row.aliases,
            "item_type": row.item_type,
            "item_type_label": ITEM_TYPES.get(row.item_type, ""),
            "townships": [row.township.name] if row.township else [],
            "service_objects": sorted(
                {
                    SERVICE_OBJECT_AUDIENCE[c]
                    for c in row.service_objects or ()
                    if c in SERVICE_OBJECT_AUDIENCE
                }
            ),
            "themes": row.themes,
            "instant": None if row.case_type is None else row.case_type == CASE_TYPE_INSTANT,
            "onsite_visits": row.onsite_visits,
            "zero_visit": None if row.onsite_visits is None else row.onsite_visits == 0,
            "text": "\n".join(
                filter(
                    None,
                    [
                        row.acceptance_conditions,
                        "；".join(m.name for m in row.materials),
                        row.process,
                    ],
                )
            ),
        }
    if isinstance(row, PowerItem):
        return {
            **_common("power", row, row.department),
            "name": f"{row.name}（{row.sub_item_name}）" if row.sub_item_name else row.name,
            "item_type": row.power_type_code,
            "item_type_label": row.power_type.name if row.power_type else "",
            "text": "\n".join(filter(None, [row.basis_text, row.responsibilities])),
        }
    if isinstance(row, DevolvedItem):
        return {
            **_common("devolved", row, row.from_department),
            "name": row.name,
            "item_type": row.mode,
            "item_type_label": DEVOLUTION_MODES.get(row.mode, ""),
            "townships": [township.name for township in row.receivers],
            "text": "\n".join(filter(None, [row.scope_limit, row.attached_powers])),
        }
    return {
        **_common("supervision", row, row.department),
        "name": f"{row.main_name}（{row.sub_name}）" if row.sub_name else row.main_name,
        "item_type": row.supervision_type,
        "item_type_label": SUPERVISION_TYPES.get(row.supervision_type, ""),
        "text": "\n".join(filter(None, [row.objects, row.basis_text, row.measures])),
    }


def _catalog(session) -> None:
    """Rows of every list, with the values a document reads from other rows: materials in
    their order, townships, receivers, power types; some unpublished."""
    reg = factories.registry
    department = factories.department(session, name="云城区市场监督管理局")
    other = factories.department(session, name="云城区民政局")
    streets = [
        factories.township(session, department.region_id, name=n)
        for n in ("河口街道", "云城街道", "高峰街道")
    ]
    factories.service_item(
        session,
        department.id,
        name="食品经营许可（新办）",
        status="published",
        aliases=["开饭店", "餐饮许可"],
        themes=["开办企业"],
        service_objects=["1", "2"],
        township_id=streets[1].id,
        acceptance_conditions="申请人应当取得营业执照",
        process="受理\n审查\n决定",
        onsite_visits=1,
        onsite_reason="须现场核查经营场所",
        materials=[
            {"name": "营业执照", "e_license_name": "营业执照"},
            {"name": "申请书"},
            {"name": "场所平面图"},
        ],
    )
    factories.instant_item(session, other.id, name="内地居民婚姻登记")
    factories.service_item(session, other.id, name="草稿事项", status="draft")
    batch = factories.make(
        session, reg.DEVOLUTION_BATCHES, title="第一批", region_id=department.region_id
    )
    for name, receivers, status in (
        ("对违反城市绿化管理规定行为的处罚", streets[::-1], "published"),
        ("未发布下放", streets[:1], "draft"),
    ):
        receiver_ids = [s.id for s in receivers]
        factories.devolved_item(
            session,
            batch.id,
            department.id,
            receiver_ids,
            name=name,
            status=status,
            scope_limit="限本辖区",
        )
    factories.power_item(
        session,
        department.id,
        name="对无证经营的处罚",
        sub_item_name="情节严重的",
        power_type_code="02",
        status="published",
        basis_text="《食品安全法》第一百二十二条",
        responsibilities="立案 调查 决定",
    )
    factories.power_item(
        session, other.id, name="行政检查", power_type_code="06", status="published"
    )
    factories.supervision_item(
        session,
        department.id,
        main_name="对食品生产经营的监督检查",
        sub_name="餐饮服务",
        status="published",
        objects="餐饮服务提供者",
    )
    factories.supervision_item(session, department.id, main_name="未发布的检查")


def test_documents_equal_those_built_from_orm_rows(session):
    _catalog(session)
    session.expire_all()
    reference = {
        doc.id: doc
        for model in (ServiceItem, PowerItem, DevolvedItem, SupervisionItem)
        for doc in (
            SearchDocument.from_mapping(_reference(row))
            for row in session.scalars(select(model).where(model.status == "published"))
        )
    }
    assert len(reference) == 6

    # small batches: a row's materials and receivers must not leak into a neighbour's batch
    bulk = list(search_documents.published_documents(session, batch_size=1))
    assert {doc.id: doc for doc in bulk} == reference
    assert len(bulk) == len(reference)
    assert list(search_documents.published_documents(session)) == bulk

    for doc in bulk:
        kind, row_id = doc.id.split(":")
        assert (
            search_documents.document(session, registry.SEARCH_KINDS[kind].entity_type, int(row_id))
            == doc
        )
    draft = session.scalar(select(ServiceItem.id).where(ServiceItem.status == "draft"))
    assert search_documents.document(session, "service_item", draft) is None
    assert search_documents.document(session, "service_item", 10**9) is None
