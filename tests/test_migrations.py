"""The migrations build the whole schema: no model change is missing a migration."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from catalog.extensions import db


def test_no_model_change_lacks_a_migration(app, session):
    with app.app_context():
        context = MigrationContext.configure(
            session.connection(), opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
