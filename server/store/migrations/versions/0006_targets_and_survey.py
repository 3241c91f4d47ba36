"""services' wait target and notice distance; the satisfaction survey's answers

Revision ID: 0006_targets_and_survey
Revises: 0005_event_schema
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.store.types

revision: str = "0006_targets_and_survey"
down_revision: str | None = "0005_event_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ELEMENTS = (
    "requirements", "procedure", "time", "cost", "product",
    "competence", "behaviour", "complaints", "facilities",
)


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_target_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notify_ahead", sa.Integer(), nullable=True))
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column(
            "submitted_at", server.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ELEMENTS),
        sa.Column("sex", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("age_band", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("education", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("occupation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("suggestion", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index(
        "ix_survey_responses_site_day", "survey_responses", ["site_id", "local_day"]
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_site_day", table_name="survey_responses")
    op.drop_table("survey_responses")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("notify_ahead")
        batch_op.drop_column("wait_target_minutes")
