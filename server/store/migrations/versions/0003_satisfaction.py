"""the citizen's satisfaction with a ticket

Revision ID: 0003_satisfaction
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003_satisfaction'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'satisfaction',
            sa.Enum(
                'very_satisfied', 'satisfied', 'dissatisfied', 'very_dissatisfied',
                name='satisfaction', native_enum=False, length=20,
            ),
            nullable=True,
        ))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('satisfaction')
