"""One-time codes that pair a browser (a smart TV) as an office's display.

Only a code's hash is kept. Claiming a code records the display device it
became; `options` (services, counters, sound, wording) say what that TV's
wall shows and says, as the web pages validate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from server.store import statements
from server.store.rows import Shape
from server.store.statements import DISPLAY_PAIRINGS
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PairingRecord:
    id: int
    site_id: int
    code_hash: str
    name: str
    options: Mapping[str, Any]
    created_at: datetime
    expires_at: datetime
    claimed_at: datetime | None
    device_id: int | None


PAIRING = Shape(PairingRecord, DISPLAY_PAIRINGS)


def add(
    work: UnitOfWork,
    site_id: int,
    code_hash: str,
    name: str,
    options: Mapping[str, Any],
    created_at: datetime,
    expires_at: datetime,
) -> PairingRecord:
    pairing = PairingRecord(
        0, site_id, code_hash, name, dict(options), created_at, expires_at,
        claimed_at=None, device_id=None,
    )
    values = PAIRING.columns(pairing, PAIRING.fields[1:])
    return replace(pairing, id=work.insert(DISPLAY_PAIRINGS, values))


def by_code(work: UnitOfWork, code_hash: str) -> PairingRecord | None:
    row = work.connection.row(statements.pairing_by_code, {"code_hash": code_hash})
    return None if row is None else PAIRING.load(row)


def of_device(work: UnitOfWork, device_id: int) -> PairingRecord | None:
    """The pairing a display device was made by (the latest, should there be several)."""
    row = work.connection.row(statements.pairing_of_device, {"device_id": device_id})
    return None if row is None else PAIRING.load(row)


def claimed(
    work: UnitOfWork, pairing: PairingRecord, device_id: int, now: datetime
) -> PairingRecord:
    """The code used, once: by the display device it became."""
    work.update(DISPLAY_PAIRINGS, pairing.id, {"claimed_at": now, "device_id": device_id})
    return replace(pairing, claimed_at=now, device_id=device_id)
