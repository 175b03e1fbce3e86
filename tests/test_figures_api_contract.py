"""The figures endpoints send the services' objects as they are (schemas/fields.py: Verbatim):
each object must be exactly what its documented schema would dump, no key more or less, or the
OpenAPI document would describe an answer the API does not give."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from marshmallow import Schema

from catalog.models.base import CHINA_TIME
from catalog.schemas.stats import CompletenessFigureSchema, FigureSchema
from tests import factories


@pytest.fixture
def department(session):
    department = factories.department(session)
    factories.instant_item(session, department.id)
    factories.one_visit_item(session, department.id)
    factories.service_item(
        session, department.id, status="published", case_type=None, onsite_visits=None
    )
    return department


def _documented(schema: Schema, sent: dict[str, Any]) -> None:
    assert set(sent) == set(schema.fields), set(sent) ^ set(schema.fields)
    assert schema.dump(sent) == sent


TODAY = datetime.now(CHINA_TIME).date()  # as of the end of today: the rows written now count
SCOPES = ["", f"&as_of={TODAY}", "&item_types=01&item_types=20", "&rule=DOWN"]


def _sent(client, key: str, overall: str, table: str, query: str) -> tuple[list, list]:
    """The figures the two routes send for the scope: overall, and in the table by department."""
    figures = client.get(f"/api/v1/stats/{overall}?{query}").get_json()[key]
    rows = client.get(f"/api/v1/stats/{table}?{query}").get_json()
    return figures, [figure for row in rows for figure in row[key]]


@pytest.mark.parametrize("extra", SCOPES)
def test_figures_are_what_their_schema_documents(anonymous_client, department, extra):
    query = f"department_id={department.id}{extra}"
    overall, by_department = _sent(anonymous_client, "figures", "figures", "departments", query)
    assert by_department  # the department's row is there too
    for figure in [*overall, *by_department]:
        _documented(FigureSchema(), figure)


@pytest.mark.parametrize("extra", SCOPES)
def test_completeness_figures_are_what_their_schema_documents(anonymous_client, department, extra):
    query = f"department_id={department.id}{extra}"
    overall, by_department = _sent(
        anonymous_client, "lists", "completeness", "completeness/departments", query
    )
    sent = [*overall, *by_department]
    assert any(figure["elements"] for figure in sent)
    for figure in sent:
        _documented(CompletenessFigureSchema(), figure)
