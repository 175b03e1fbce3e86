"""SQLAlchemy models, one module per list."""

from .accounts import ApiToken, User, UserSession, reviewer_departments
from .audit import CatalogGeneration, ChangeRecord, DepartmentGeneration, SearchOutbox
from .base import db
from .devolution import DevolutionBatch, DevolvedItem
from .figure_facts import FigureFact
from .legal import LegalBasis
from .legal_changes import BasisReview, LegalBasisChange
from .org import Organization, Region
from .powers import PowerItem, PowerType
from .random_checks import DrawnTarget, InspectorConflict, RandomCheckTask, RandomDraw
from .search_insights import SearchQueryLog, SearchSynonym
from .services import Bundle, BundleMember, Faq, FeeItem, Material, ServiceItem
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
    "BasisReview",
    "Bundle",
    "BundleMember",
    "CatalogGeneration",
    "ChangeRecord",
    "DepartmentGeneration",
    "DevolutionBatch",
    "DevolvedItem",
    "DrawnTarget",
    "Faq",
    "FeeItem",
    "FigureFact",
    "InspectionImplList",
    "InspectionTarget",
    "Inspector",
    "InspectorConflict",
    "LegalBasis",
    "LegalBasisChange",
    "Material",
    "Organization",
    "PowerItem",
    "PowerType",
    "RandomCheckItem",
    "RandomCheckTask",
    "RandomDraw",
    "Region",
    "Revision",
    "SearchOutbox",
    "SearchQueryLog",
    "SearchSynonym",
    "ServiceItem",
    "SupervisionItem",
    "User",
    "UserSession",
    "db",
    "reviewer_departments",
]
