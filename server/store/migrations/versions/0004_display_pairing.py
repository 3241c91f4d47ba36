"""one-time pairing codes for browser displays (smart TVs)

Revision ID: 0004_display_pairing
Revises: 0003_satisfaction
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import server.store.types
from alembic import op


revision: str = '0004_display_pairing'
down_revision: str | None = '0003_satisfaction'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('display_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', server.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', server.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', server.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('display_pairings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_display_pairings_device_id'), ['device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_display_pairings_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('display_pairings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_display_pairings_site_id'))
        batch_op.drop_index(batch_op.f('ix_display_pairings_device_id'))
    op.drop_table('display_pairings')
