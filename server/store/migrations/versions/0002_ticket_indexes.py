"""ticket indexes for the per-command queries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_counter', ['counter_id', 'status'], unique=False)
        batch_op.create_index(
            'ix_tickets_service_day',
            ['service_id', 'local_day', 'status', 'finished_at'],
            unique=False,
        )
        batch_op.create_index('ix_tickets_open', ['site_id', 'status', 'local_day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_open')
        batch_op.drop_index('ix_tickets_service_day')
        batch_op.drop_index('ix_tickets_counter')
