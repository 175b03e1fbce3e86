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


@pytest.mark.parametrize("extra", SCOPES)
def test_figures_are_what_their_schema_documents(anonymous_client, department, extra):
    figures = anonymous_client.get(
        f"/api/v1/stats/figures?department_id={department.id}{extra}"
    ).get_json()
    table = anonymous_client.get(
        f"/api/v1/stats/departments?department_id={department.id}{extra}"
    ).get_json()
    sent = [*figures["figures"], *(figure for row in table for figure in row["figures"])]
    assert len(sent) > len(figures["figures"])  # the department's row is there too
    for figure in sent:
        _documented(FigureSchema(), figure)


@pytest.mark.parametrize("extra", SCOPES)
def test_completeness_figures_are_what_their_schema_documents(anonymous_client, department, extra):
    lists = anonymous_client.get(
        f"/api/v1/stats/completeness?department_id={department.id}{extra}"
    ).get_json()
    table = anonymous_client.get(
        f"/api/v1/stats/completeness/departments?department_id={department.id}{extra}"
    ).get_json()
    sent = [*lists["lists"], *(figure for row in table for figure in row["lists"])]
    assert any(figure["elements"] for figure in sent)
    for figure in sent:
        _documented(CompletenessFigureSchema(), figure)
