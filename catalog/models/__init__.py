"""SQLAlchemy models, one module per list."""
from .accounts import ApiToken, User, reviewer_departments
from .audit import ChangeRecord, SearchOutbox
from .base import db
from .devolution import DevolutionBatch, DevolvedItem
from .figure_facts import FigureFact
from .legal import LegalBasis
from .org import Organization, Region
from .powers import PowerItem, PowerType
from .search_insights import SearchQueryLog, SearchSynonym
from .services import Bundle, BundleMember, FeeItem, Material, ServiceItem
from .supervision import (
    InspectionImplList,
    InspectionTarget,
    Inspector,
    RandomCheckItem,
    SupervisionItem,
)
from .workflow import Revision

__all__ = [
    "ApiToken",
    "Bundle",
    "BundleMember",
    "ChangeRecord",
    "DevolutionBatch",
    "DevolvedItem",
    "FeeItem",
    "FigureFact",
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
    "Revision",
    "SearchOutbox",
    "SearchQueryLog",
    "SearchSynonym",
    "ServiceItem",
    "SupervisionItem",
    "User",
    "db",
    "reviewer_departments",
]
