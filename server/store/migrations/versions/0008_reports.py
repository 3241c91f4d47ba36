"""reports: events by time, and the daily report's notes

Revision ID: 0008_reports
Revises: 0007_admin
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.store.types

revision: str = "0008_reports"
down_revision: str | None = "0007_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_site_at", "events", ["site_id", "at"])
    op.create_table(
        "report_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("obstacles", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("follow_up", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column(
            "written_at", server.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("written_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["written_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_notes_site_day", "report_notes", ["site_id", "local_day"])


def downgrade() -> None:
    op.drop_index("ix_report_notes_site_day", table_name="report_notes")
    op.drop_table("report_notes")
    op.drop_index("ix_events_site_at", table_name="events")
