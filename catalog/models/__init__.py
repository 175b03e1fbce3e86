"""SQLAlchemy models, one module per list."""
from .audit import ChangeRecord, SearchOutbox
from .base import db
from .devolution import DevolutionBatch, DevolvedItem
from .legal import LegalBasis
from .org import Organization, Region
from .powers import PowerItem, PowerType
from .services import Bundle, BundleMember, FeeItem, Material, ServiceItem
from .supervision import (
    InspectionImplList,
    InspectionTarget,
    Inspector,
    RandomCheckItem,
    SupervisionItem,
)

__all__ = [
    "Bundle",
    "BundleMember",
    "ChangeRecord",
    "DevolutionBatch",
    "DevolvedItem",
    "FeeItem",
    "InspectionImplList",
    "InspectionTarget",
    "Inspector",
    "LegalBasis",
    "Material",
    "Organization",
    "PowerItem",
    "PowerType",
    "RandomCheckItem",
    "Region",
    "SearchOutbox",
    "ServiceItem",
    "SupervisionItem",
    "db",
]
