"""ticket notices: the texts a citizen asked for when their turn is near

Revision ID: 0009_citizen
Revises: 0008_reports
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.store.types

revision: str = "0009_citizen"
down_revision: str | None = "0008_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    utc = server.store.types.UTCDateTime(timezone=True)
    op.create_table(
        "ticket_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("people_ahead", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_at", utc, nullable=False),
        sa.Column("next_try_at", utc, nullable=True),
        sa.Column("claimed_at", utc, nullable=True),
        sa.Column("ended_at", utc, nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index("ix_ticket_notices_site_state", "ticket_notices", ["site_id", "state"])
    op.create_index(
        "ix_ticket_notices_state_next_try", "ticket_notices", ["state", "next_try_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_notices_state_next_try", table_name="ticket_notices")
    op.drop_index("ix_ticket_notices_site_state", table_name="ticket_notices")
    op.drop_table("ticket_notices")
