"""the event log's own versioned schema

Events stored the ticket as the wire contract's TicketView (version 1). From
here on `data` holds the log's own layout, named by the new `version` column
(version 2, see server/store/event_log.py); existing rows are rewritten.
The conversion is written out here, not imported, so that this migration
keeps doing what it did when the code around it changes. It is the same for
every kind of event: what a kind adds (a rating's satisfaction and score, a
transfer's note, a pause's reason) was flat beside the ticket and stays flat,
as its details.

Revision ID: 0005_event_schema
Revises: 0004_display_pairing
Create Date: 2026-12-01
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '0005_event_schema'
down_revision: str | None = '0004_display_pairing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
EVENTS = sa.table(
    'events',
    sa.column('id', sa.Integer),
    sa.column('ticket_id', sa.Integer),
    sa.column('data', sa.JSON),
    sa.column('version', sa.Integer),
)
V1_TICKET_KEYS = ('code', 'service', 'priority', 'status', 'counter', 'issued_at', 'call_count')


def _moment(text: str | None) -> str | None:
    # Version 1 wrote UTC as "…Z" (pydantic); version 2 writes "+00:00" (isoformat).
    return None if text is None else datetime.fromisoformat(text).isoformat()


def _wire_moment(text: str | None) -> str | None:
    if text is None:
        return None
    return datetime.fromisoformat(text).isoformat().replace('+00:00', 'Z')


def to_version_2(data: dict[str, Any]) -> dict[str, Any]:
    details = dict(data)
    view = details.pop('ticket', None)
    counter = details.pop('counter', None)
    ticket = None
    if view:
        ticket = {key: view[key] for key in V1_TICKET_KEYS}
        ticket['issued_at'] = _moment(view['issued_at'])
        ticket['last_called_at'] = _moment(view.get('called_at'))
    return {'ticket': ticket, 'counter': counter, 'details': details}


def to_version_1(data: dict[str, Any], ticket_id: int | None) -> dict[str, Any]:
    old: dict[str, Any] = dict(data.get('details') or {})
    facts = data.get('ticket')
    if facts:
        view = {'id': ticket_id or 0, **{key: facts[key] for key in V1_TICKET_KEYS}}
        view['issued_at'] = _wire_moment(facts['issued_at'])
        view['called_at'] = _wire_moment(facts.get('last_called_at'))
        old['ticket'] = view
    if data.get('counter') is not None:
        old['counter'] = data['counter']
    return old


def _rewrite(
    convert: Callable[[dict[str, Any], int | None], dict[str, Any]],
    pending: sa.ColumnElement[bool],
    version: int | None,
) -> None:
    bind = op.get_bind()
    while True:
        rows = bind.execute(
            sa.select(EVENTS.c.id, EVENTS.c.ticket_id, EVENTS.c.data)
            .where(pending)
            .order_by(EVENTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            EVENTS.update()
            .where(EVENTS.c.id == sa.bindparam('row_id'))
            .values(data=sa.bindparam('new_data'), version=sa.bindparam('new_version')),
            [
                {
                    'row_id': row.id,
                    'new_data': convert(row.data or {}, row.ticket_id),
                    'new_version': version,
                }
                for row in rows
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
    _rewrite(lambda data, _ticket: to_version_2(data), EVENTS.c.version.is_(None), 2)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=True)
    _rewrite(to_version_1, EVENTS.c.version == 2, None)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('version')
