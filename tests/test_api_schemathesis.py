"""Schemathesis against /api/openapi.json, authenticated as a department editor.

Every operation of the OpenAPI document gets generated requests (valid and invalid), a bounded
number each (SCHEMATHESIS_EXAMPLES, 8 by default); every response must be no 5xx, a documented
status code, the documented content type, and a body the document's schema accepts.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.conftest import token_client

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def editor_headers(app, session) -> dict[str, str]:
    department = factories.department(session)
    factories.service_item(session, department.id, status="published")  # something to read and edit
    factories.service_item(session, department.id)
    editor = token_client(app, session, "editor", department.id)
    return {"Authorization": editor.environ_base["HTTP_AUTHORIZATION"]}


@pytest.mark.database_neutral  # the API's contract does not depend on the database: run once
@pytest.mark.slow
def test_every_operation_answers_within_its_schema(app, session, editor_headers):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 150
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=editor_headers, checks=CHECKS)

        try:
            run()
        except Exception as failure:  # noqa: BLE001 - every operation's failure is collected and shown
            failures[operation.label] = str(failure)[:2000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
