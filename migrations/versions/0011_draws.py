"""双随机、一公开 tasks, draws and results; 回避 declarations; legal-basis revisions and abolitions
with the reviews they open on citing items.

New tables: random_check_tasks (+ their departments and items), random_draws (the parameters,
directory snapshot and result as the canonical JSON that was hashed), drawn_targets (检查结果,
处理情况, 公示时间), inspector_conflicts, legal_basis_changes, basis_reviews. New columns: the
名录库's 严重违法失信 flag, 信用风险分类 and 所属镇街; 执法证有效期; 抽查比例 bounds of random-check
items; a legal basis's 效力层级, 版本, 效力状态 and the version that superseded it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legal_basis_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("legal_basis_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("document_number", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("new_basis_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["legal_basis_id"],
            ["legal_bases.id"],
            name=op.f("fk_legal_basis_changes_legal_basis_id_legal_bases"),
        ),
        sa.ForeignKeyConstraint(
            ["new_basis_id"],
            ["legal_bases.id"],
            name=op.f("fk_legal_basis_changes_new_basis_id_legal_bases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_basis_changes")),
    )
    with op.batch_alter_table("legal_basis_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_basis_changes_legal_basis_id"), ["legal_basis_id"], unique=False
        )

    op.create_table(
        "basis_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("opened", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["legal_basis_changes.id"],
            name=op.f("fk_basis_reviews_change_id_legal_basis_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name=op.f("fk_basis_reviews_revision_id_revisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_basis_reviews")),
    )
    with op.batch_alter_table("basis_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_basis_reviews_change_id"), ["change_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_basis_reviews_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index("ix_basis_reviews_entity", ["entity_type", "entity_id"], unique=False)

    op.create_table(
        "random_check_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=50), nullable=True),
        sa.Column("initiating_department_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("ratio_percent", sa.String(length=6), nullable=True),
        sa.Column("sample_count", sa.Integer(), nullable=True),
        sa.Column("inspectors_per_department", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("publish_within_days", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("seed_commitment", sa.String(length=64), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiating_department_id"],
            ["organizations.id"],
            name=op.f("fk_random_check_tasks_initiating_department_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_random_check_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_random_check_tasks_code")),
    )
    with op.batch_alter_table("random_check_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_random_check_tasks_initiating_department_id"),
            ["initiating_department_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_random_check_tasks_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_random_check_tasks_year"), ["year"], unique=False)

    op.create_table(
        "drawn_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=400), nullable=False),
        sa.Column("target_name", sa.String(length=300), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("handling", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["inspection_targets.id"],
            name=op.f("fk_drawn_targets_target_id_inspection_targets"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["random_check_tasks.id"],
            name=op.f("fk_drawn_targets_task_id_random_check_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drawn_targets")),
        sa.UniqueConstraint("task_id", "rank", name=op.f("uq_drawn_targets_task_id")),
    )
    with op.batch_alter_table("drawn_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drawn_targets_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_drawn_targets_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drawn_targets_task_id"), ["task_id"], unique=False)

    op.create_table(
        "inspector_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"],
            ["inspectors.id"],
            name=op.f("fk_inspector_conflicts_inspector_id_inspectors"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["inspection_targets.id"],
            name=op.f("fk_inspector_conflicts_target_id_inspection_targets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_conflicts")),
        sa.UniqueConstraint(
            "inspector_id", "target_id", name=op.f("uq_inspector_conflicts_inspector_id")
        ),
    )
    with op.batch_alter_table("inspector_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspector_conflicts_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspector_conflicts_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspector_conflicts_target_id"), ["target_id"], unique=False
        )

    op.create_table(
        "random_check_task_departments",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["organizations.id"],
            name=op.f("fk_random_check_task_departments_department_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["random_check_tasks.id"],
            name=op.f("fk_random_check_task_departments_task_id_random_check_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "task_id", "department_id", name=op.f("pk_random_check_task_departments")
        ),
    )
    with op.batch_alter_table("random_check_task_departments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_random_check_task_departments_department_id"),
            ["department_id"],
            unique=False,
        )

    op.create_table(
        "random_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=30), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draw_date", sa.Date(), nullable=False),
        sa.Column("witness", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("result_sha256", sa.String(length=64), nullable=False),
        sa.Column("pool_size", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["random_check_tasks.id"],
            name=op.f("fk_random_draws_task_id_random_check_tasks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_random_draws")),
        sa.UniqueConstraint("task_id", name=op.f("uq_random_draws_task_id")),
    )
    op.create_table(
        "random_check_task_items",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("random_check_item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["random_check_item_id"],
            ["random_check_items.id"],
            name=op.f("fk_random_check_task_items_random_check_item_id_random_check_items"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["random_check_tasks.id"],
            name=op.f("fk_random_check_task_items_task_id_random_check_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "task_id", "random_check_item_id", name=op.f("pk_random_check_task_items")
        ),
    )
    with op.batch_alter_table("random_check_task_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_random_check_task_items_random_check_item_id"),
            ["random_check_item_id"],
            unique=False,
        )

    with op.batch_alter_table("inspection_targets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("serious_violation", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("credit_risk", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inspection_targets_township_id"), ["township_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_inspection_targets_township_id_organizations"),
            "organizations",
            ["township_id"],
            ["id"],
        )

    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_valid_until", sa.Date(), nullable=True))

    with op.batch_alter_table("legal_bases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("version_label", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("validity", sa.String(length=12), server_default="effective", nullable=False)
        )
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_legal_bases_validity"), ["validity"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_legal_bases_superseded_by_id_legal_bases"),
            "legal_bases",
            ["superseded_by_id"],
            ["id"],
        )

    with op.batch_alter_table("random_check_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ratio_min", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("ratio_max", sa.String(length=6), nullable=True))


def downgrade():
    with op.batch_alter_table("random_check_items", schema=None) as batch_op:
        batch_op.drop_column("ratio_max")
        batch_op.drop_column("ratio_min")

    with op.batch_alter_table("legal_bases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_legal_bases_superseded_by_id_legal_bases"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_legal_bases_validity"))
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("validity")
        batch_op.drop_column("version_label")
        batch_op.drop_column("category")

    with op.batch_alter_table("inspectors", schema=None) as batch_op:
        batch_op.drop_column("certificate_valid_until")

    with op.batch_alter_table("inspection_targets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inspection_targets_township_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_inspection_targets_township_id"))
        batch_op.drop_column("township_id")
        batch_op.drop_column("credit_risk")
        batch_op.drop_column("serious_violation")

    with op.batch_alter_table("random_check_task_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_random_check_task_items_random_check_item_id"))

    op.drop_table("random_check_task_items")
    op.drop_table("random_draws")
    with op.batch_alter_table("random_check_task_departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_random_check_task_departments_department_id"))

    op.drop_table("random_check_task_departments")
    with op.batch_alter_table("inspector_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspector_conflicts_target_id"))
        batch_op.drop_index(batch_op.f("ix_inspector_conflicts_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_inspector_conflicts_department_id"))

    op.drop_table("inspector_conflicts")
    with op.batch_alter_table("drawn_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drawn_targets_task_id"))
        batch_op.drop_index(batch_op.f("ix_drawn_targets_target_id"))
        batch_op.drop_index(batch_op.f("ix_drawn_targets_published_at"))

    op.drop_table("drawn_targets")
    with op.batch_alter_table("random_check_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_random_check_tasks_year"))
        batch_op.drop_index(batch_op.f("ix_random_check_tasks_state"))
        batch_op.drop_index(batch_op.f("ix_random_check_tasks_initiating_department_id"))

    op.drop_table("random_check_tasks")
    with op.batch_alter_table("basis_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_basis_reviews_entity")
        batch_op.drop_index(batch_op.f("ix_basis_reviews_department_id"))
        batch_op.drop_index(batch_op.f("ix_basis_reviews_change_id"))

    op.drop_table("basis_reviews")
    with op.batch_alter_table("legal_basis_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_basis_changes_legal_basis_id"))

    op.drop_table("legal_basis_changes")
