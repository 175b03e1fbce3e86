"""The lists Qingdan keeps, declared once: model, schema, rules, references and filters.

A ListSpec drives the generic use cases (crud.py), the REST routes (api/resources.py) and the
history. One Filter definition gives both the API query parameter and the SQL clause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marshmallow import Schema
from marshmallow import fields as ma_fields
from sqlalchemy import ColumnElement, ColumnExpressionArgument
from sqlalchemy.orm import InstrumentedAttribute, Session, load_only, raiseload

from .. import models as m
from ..models.base import ListRow
from ..models.codes import (
    DEVOLUTION_MODES,
    ITEM_TYPES,
    ORGANIZATION_KINDS,
    STATUSES,
    TARGET_KINDS,
)
from ..models.elements import HasElements
from ..schemas.devolution import DevolutionBatchSchema, DevolvedItemSchema
from ..schemas.fields import Bool, Code, Id, Int, Str
from ..schemas.legal import LegalBasisSchema
from ..schemas.org import OrganizationSchema, RegionSchema
from ..schemas.powers import PowerItemSchema, PowerTypeSchema
from ..schemas.services import (
    SERVICE_ITEM_LIST_FIELDS,
    BundleSchema,
    ServiceItemListSchema,
    ServiceItemSchema,
)
from ..schemas.supervision import (
    InspectionImplListSchema,
    InspectionTargetSchema,
    InspectorSchema,
    RandomCheckItemSchema,
    SupervisionItemSchema,
)
from . import devolution, organizations, powers, service_items, supervision
from .mapped import Identified, ListModel, WorkflowModel
from .rules import Notice, Problems

Check = Callable[[Session, Any], Problems]
Setter = Callable[[Session, Any, Any], None]
Reference = tuple[type[Identified], str]  # the model a field's ids name, and what users call it


@dataclass(frozen=True)
class Filter:
    """One list filter: the API query parameter and the SQL clause it becomes."""

    name: str
    field: Callable[[], ma_fields.Field[Any]]
    # a hybrid (ServiceItem.instant) is a clause to SQLAlchemy but no ColumnElement to its stubs
    clause: Callable[[Any], ColumnExpressionArgument[bool]]
    description: str


@dataclass(frozen=True)
class Searchable:
    """A list citizens search: the kind its documents and hits carry ("service:12") and what
    citizens call the list."""

    kind: str
    label: str


@dataclass(frozen=True)
class ListSpec:
    name: str  # URL segment
    entity_type: str  # name in the history and the search outbox
    label: str  # what users call one row
    model: type[ListModel]
    schema: type[Schema]
    check: Check | None = None
    references: Mapping[str, Reference] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    setters: dict[str, Setter] = field(default_factory=dict)
    filters: tuple[Filter, ...] = ()
    sortable: tuple[str, ...] = ("id",)
    searchable: Searchable | None = None
    # The collection's row schema and loader options, when a list row shows less than GET /<id>.
    list_schema: type[Schema] | None = None
    list_options: Callable[[], list[Any]] | None = None
    # The column naming the department a row belongs to: its editors write it, its reviewers
    # approve it. Lists without one are reference data, written by admins only.
    owner: str | None = None
    # What to tell a reader about a row that no rule forbids (shown beside it, never blocking).
    warnings: Callable[[Any], list[Notice]] | None = None

    @property
    def has_workflow(self) -> bool:
        """Rows with a workflow status: public once published, changed through review."""
        return issubclass(self.model, ListRow)

    @property
    def workflow_model(self) -> type[WorkflowModel]:
        """The model of a list with a workflow, typed with its status column."""
        model = self.model
        if not issubclass(model, ListRow):
            raise TypeError(f"{self.name} has no workflow status")
        return model

    def owner_column(self) -> InstrumentedAttribute[int]:
        """The column naming the department a row belongs to (lists with an owner only)."""
        if self.owner is None:
            raise TypeError(f"{self.name} has no owning department")
        column: InstrumentedAttribute[int] = getattr(self.model, self.owner)
        return column

    def name_column(self) -> InstrumentedAttribute[str]:
        """The column of a row's name: 监管事项 have a 主项 name instead."""
        return _name_column(self.model)

    def name_of(self, row: Any) -> str:
        """A row's name, as name_column reads it ("" for a row without one)."""
        name: str = getattr(row, "name", "") or getattr(row, "main_name", "")
        return name

    def department_of(self, row_or_data: Any) -> int | None:
        if self.owner is None:
            return None
        department: int | None = (
            row_or_data.get(self.owner)
            if isinstance(row_or_data, dict)
            else getattr(row_or_data, self.owner)
        )
        return department

    @cached_property
    def _dumper(self) -> Schema:
        return self.schema()  # built once: a schema deep-copies every field when made

    def snapshot(self, row: Any) -> dict[str, Any]:
        """The row as its history keeps it: as the API shows it, and — for the lists whose
        completeness is counted — with its unfilled elements, which figure_facts reads."""
        dumped: dict[str, Any] = self._dumper.dump(row)
        if isinstance(row, HasElements):
            dumped["unfilled_elements"] = row.unfilled_elements
        return dumped

    def order_by(self, sort: str | None) -> list[ColumnExpressionArgument[Any]]:
        if not sort:
            return [self.model.id]
        column = getattr(self.model, sort.lstrip("-"))
        primary = column.desc() if sort.startswith("-") else column.asc()
        return [primary, self.model.id]

    def sort_choices(self) -> list[str]:
        return [name for field_name in self.sortable for name in (field_name, f"-{field_name}")]

    @property
    def class_name(self) -> str:
        """The stem of the schema classes made for this list ("ServiceItem")."""
        return "".join(part.title() for part in self.entity_type.split("_"))

    def query_fields(self) -> dict[str, ma_fields.Field[Any]]:
        """The query parameters that select and order the list's rows: each filter (optional,
        numbers read from text) and ``sort``; the API's pages and the exports' files add theirs."""
        attrs: dict[str, ma_fields.Field[Any]] = {}
        for list_filter in self.filters:
            query_field = list_filter.field()
            query_field.metadata = {**query_field.metadata, "description": list_filter.description}
            query_field.load_default = None
            if isinstance(query_field, ma_fields.Integer):
                query_field.strict = False  # query strings carry numbers as text
            attrs[list_filter.name] = query_field
        attrs["sort"] = Code({choice: choice for choice in self.sort_choices()}, load_default=None)
        return attrs


def _relation_setter(attribute: str, model: type[Identified]) -> Setter:
    def setter(session: Session, row: Any, ids: list[int]) -> None:
        setattr(row, attribute, [session.get(model, i) for i in dict.fromkeys(ids)])

    return setter


def _equals(
    model: type[ListModel],
    column: str,
    name: str,
    make_field: Callable[[], ma_fields.Field[Any]],
    description: str,
) -> Filter:
    return Filter(name, make_field, lambda value: getattr(model, column) == value, description)


def _common_filters(
    model: type[ListModel], department_column: str = "department_id"
) -> tuple[Filter, ...]:
    return (
        _equals(model, department_column, "department_id", Id, "部门编号"),
        _equals(model, "status", "status", lambda: Code(STATUSES), "工作流状态"),
        _name_contains(model),
    )


def _name_contains(model: type[ListModel]) -> Filter:
    """``q``: the rows whose name contains the text (a 监管事项's 主项名称)."""
    return Filter(
        "q",
        lambda: Str(max_length=100),
        lambda v: _name_column(model).contains(v, autoescape=True),
        "名称包含",
    )


def _name_column(model: type[ListModel]) -> InstrumentedAttribute[str]:
    column: InstrumentedAttribute[str] = getattr(
        model, "name" if hasattr(model, "name") else "main_name"
    )
    return column


_LEGAL: Reference = (m.LegalBasis, "法律依据")
_ORG: Reference = (m.Organization, "机构")
_TOWNSHIP: Reference = (m.Organization, "镇街")
_POWER: Reference = (m.PowerItem, "权责事项")
_REFERENCES_WITH_BASES: dict[str, Reference] = {"department_id": _ORG, "legal_basis_ids": _LEGAL}
_SETS_BASES: dict[str, Setter] = {"legal_basis_ids": _relation_setter("legal_bases", m.LegalBasis)}

REGIONS = ListSpec(
    "regions",
    "region",
    "行政区划",
    m.Region,
    RegionSchema,
    check=organizations.check_region,
    references={"parent_id": (m.Region, "上级行政区划")},
    unique=("code",),
    sortable=("id", "code", "name"),
)

ORGANIZATIONS = ListSpec(
    "organizations",
    "organization",
    "机构",
    m.Organization,
    OrganizationSchema,
    check=organizations.check_organization,
    references={"region_id": (m.Region, "行政区划"), "parent_id": _ORG},
    unique=("uscc",),
    filters=(
        _equals(m.Organization, "region_id", "region_id", Id, "行政区划编号"),
        _equals(m.Organization, "kind", "kind", lambda: Code(ORGANIZATION_KINDS), "机构类别"),
        _name_contains(m.Organization),
    ),
    sortable=("id", "name", "kind"),
)

LEGAL_BASES = ListSpec(
    "legal-bases",
    "legal_basis",
    "法律依据",
    m.LegalBasis,
    LegalBasisSchema,
    filters=(_name_contains(m.LegalBasis),),
    sortable=("id", "name", "effective_on"),
)

POWER_TYPES = ListSpec(
    "power-types",
    "power_type",
    "职权类型",
    m.PowerType,
    PowerTypeSchema,
    check=powers.check_power_type,
    unique=("code", "name"),
    sortable=("id", "code"),
)

POWER_ITEMS = ListSpec(
    "power-items",
    "power_item",
    "权责事项",
    m.PowerItem,
    PowerItemSchema,
    check=powers.check_power_item,
    references=_REFERENCES_WITH_BASES,
    unique=("code",),
    setters=_SETS_BASES,
    filters=(
        *_common_filters(m.PowerItem),
        _equals(
            m.PowerItem, "power_type_code", "power_type", lambda: Str(max_length=4), "职权类型代码"
        ),
    ),
    sortable=("id", "code", "name", "updated_at"),
    searchable=Searchable("power", "权责事项"),
    owner="department_id",
)


def _service_item_list_options() -> list[Any]:
    columns = [
        getattr(m.ServiceItem, name)
        for name in SERVICE_ITEM_LIST_FIELDS
        if name not in ("id", "department_name")
    ]
    return [
        load_only(*columns),
        raiseload(m.ServiceItem.materials),
        raiseload(m.ServiceItem.fees),
        raiseload(m.ServiceItem.faqs),
        raiseload(m.ServiceItem.legal_bases),
    ]


def _visits_filter(
    name: str, clause: Callable[[int], ColumnElement[bool]], description: str
) -> Filter:
    return Filter(name, lambda: Int(maximum=20, strict=False), clause, description)


SERVICE_ITEMS = ListSpec(
    "service-items",
    "service_item",
    "实施清单事项",
    m.ServiceItem,
    ServiceItemSchema,
    check=service_items.check_service_item,
    references={**_REFERENCES_WITH_BASES, "township_id": _TOWNSHIP, "power_item_id": _POWER},
    unique=("implementation_code",),
    setters={
        "materials": service_items.set_materials,
        "fees": service_items.set_fees,
        "faqs": service_items.set_faqs,
        **_SETS_BASES,
    },
    filters=(
        *_common_filters(m.ServiceItem),
        _equals(m.ServiceItem, "item_type", "item_type", lambda: Code(ITEM_TYPES), "事项类型"),
        _equals(m.ServiceItem, "township_id", "township_id", Id, "实施镇街编号"),
        Filter(
            "instant",
            Bool,
            lambda v: m.ServiceItem.instant if v else ~m.ServiceItem.instant,
            "即办件",
        ),
        _visits_filter(
            "onsite_visits", lambda v: m.ServiceItem.onsite_visits == v, "到办事现场次数等于"
        ),
        _visits_filter(
            "max_onsite_visits", lambda v: m.ServiceItem.onsite_visits <= v, "到办事现场次数不超过"
        ),
    ),
    sortable=("id", "name", "updated_at", "onsite_visits", "promised_time_limit", "catalog_code"),
    searchable=Searchable("service", "政务服务事项"),
    list_schema=ServiceItemListSchema,
    list_options=_service_item_list_options,
    owner="department_id",
    warnings=service_items.item_warnings,
)

BUNDLES = ListSpec(
    "bundles",
    "bundle",
    "一件事",
    m.Bundle,
    BundleSchema,
    references={"lead_department_id": _ORG, "member_ids": (m.ServiceItem, "实施清单事项")},
    unique=("name",),
    setters={"member_ids": service_items.set_bundle_members},
    filters=_common_filters(m.Bundle, "lead_department_id"),
    sortable=("id", "name"),
    owner="lead_department_id",
)

DEVOLUTION_BATCHES = ListSpec(
    "devolution-batches",
    "devolution_batch",
    "下放批次",
    m.DevolutionBatch,
    DevolutionBatchSchema,
    references={"region_id": (m.Region, "行政区划")},
    unique=("document_number",),
    sortable=("id", "effective_on"),
)

DEVOLVED_ITEMS = ListSpec(
    "devolved-items",
    "devolved_item",
    "下放事项",
    m.DevolvedItem,
    DevolvedItemSchema,
    check=devolution.check_devolved_item,
    references={
        "batch_id": (m.DevolutionBatch, "下放批次"),
        "from_department_id": _ORG,
        "entrusting_department_id": _ORG,
        "power_item_id": _POWER,
        "receiver_ids": _TOWNSHIP,
    },
    setters={"receiver_ids": _relation_setter("receivers", m.Organization)},
    filters=(
        *_common_filters(m.DevolvedItem, "from_department_id"),
        _equals(m.DevolvedItem, "batch_id", "batch_id", Id, "批次编号"),
        _equals(m.DevolvedItem, "mode", "mode", lambda: Code(DEVOLUTION_MODES), "调整方式"),
        Filter(
            "township_id",
            Id,
            lambda v: m.DevolvedItem.receivers.any(m.Organization.id == v),
            "承接镇街编号",
        ),
    ),
    sortable=("id", "name", "effective_on"),
    searchable=Searchable("devolved", "下放镇街事项"),
    owner="from_department_id",
)

SUPERVISION_ITEMS = ListSpec(
    "supervision-items",
    "supervision_item",
    "监管事项",
    m.SupervisionItem,
    SupervisionItemSchema,
    check=supervision.check_supervision_item,
    references={
        **_REFERENCES_WITH_BASES,
        "parent_id": (m.SupervisionItem, "监管事项主项"),
        "power_item_id": _POWER,
    },
    unique=("code",),
    setters=_SETS_BASES,
    filters=(
        *_common_filters(m.SupervisionItem),
        _equals(
            m.SupervisionItem,
            "supervision_type",
            "supervision_type",
            lambda: Str(max_length=2),
            "监管类型",
        ),
        _equals(m.SupervisionItem, "random_check", "random_check", Bool, "双随机抽查事项"),
        _equals(m.SupervisionItem, "key_check", "key_check", Bool, "重点检查事项"),
    ),
    sortable=("id", "code", "main_name"),
    searchable=Searchable("supervision", "监管事项"),
    owner="department_id",
)

INSPECTION_IMPL_LISTS = ListSpec(
    "inspection-lists",
    "inspection_impl_list",
    "检查实施清单",
    m.InspectionImplList,
    InspectionImplListSchema,
    check=supervision.check_inspection_impl_list,
    references={"department_id": _ORG, "supervision_item_id": (m.SupervisionItem, "监管事项")},
    unique=("code",),
    filters=(
        *_common_filters(m.InspectionImplList),
        _equals(
            m.InspectionImplList, "supervision_item_id", "supervision_item_id", Id, "监管事项编号"
        ),
    ),
    sortable=("id", "name"),
    owner="department_id",
)

RANDOM_CHECK_ITEMS = ListSpec(
    "random-check-items",
    "random_check_item",
    "随机抽查事项",
    m.RandomCheckItem,
    RandomCheckItemSchema,
    check=supervision.check_random_check_item,
    references={"department_id": _ORG, "supervision_item_id": (m.SupervisionItem, "监管事项")},
    filters=_common_filters(m.RandomCheckItem),
    sortable=("id", "name"),
    owner="department_id",
)

INSPECTION_TARGETS = ListSpec(
    "inspection-targets",
    "inspection_target",
    "检查对象",
    m.InspectionTarget,
    InspectionTargetSchema,
    check=supervision.check_inspection_target,
    references={"region_id": (m.Region, "行政区划"), "township_id": _TOWNSHIP},
    filters=(
        _equals(m.InspectionTarget, "region_id", "region_id", Id, "行政区划编号"),
        _equals(m.InspectionTarget, "township_id", "township_id", Id, "所属镇街编号"),
        _equals(m.InspectionTarget, "kind", "kind", lambda: Code(TARGET_KINDS), "对象类别"),
        _equals(m.InspectionTarget, "industry", "industry", lambda: Str(max_length=100), "行业"),
        _equals(m.InspectionTarget, "abnormal", "abnormal", Bool, "列入经营异常名录"),
        _name_contains(m.InspectionTarget),
    ),
    sortable=("id", "name"),
)

INSPECTORS = ListSpec(
    "inspectors",
    "inspector",
    "执法检查人员",
    m.Inspector,
    InspectorSchema,
    references={"department_id": _ORG},
    unique=("certificate_number",),
    filters=(
        _equals(m.Inspector, "department_id", "department_id", Id, "部门编号"),
        _equals(m.Inspector, "on_duty", "on_duty", Bool, "在岗"),
    ),
    sortable=("id", "name"),
    owner="department_id",
)

ALL_LISTS: tuple[ListSpec, ...] = (
    REGIONS,
    ORGANIZATIONS,
    LEGAL_BASES,
    POWER_TYPES,
    POWER_ITEMS,
    SERVICE_ITEMS,
    BUNDLES,
    DEVOLUTION_BATCHES,
    DEVOLVED_ITEMS,
    SUPERVISION_ITEMS,
    INSPECTION_IMPL_LISTS,
    RANDOM_CHECK_ITEMS,
    INSPECTION_TARGETS,
    INSPECTORS,
)

# The lists citizens search, by entity type (the history's and the search outbox's name) and by
# kind (the documents' and hits' name). Service items come first: the index is filled in this
# order, and hits of equal score keep the order they were written in.
SEARCHABLE: dict[str, ListSpec] = {
    spec.entity_type: spec
    for spec in sorted(ALL_LISTS, key=lambda spec: spec is not SERVICE_ITEMS)
    if spec.searchable is not None
}
SEARCH_KINDS: dict[str, ListSpec] = {
    spec.searchable.kind: spec for spec in SEARCHABLE.values() if spec.searchable is not None
}
