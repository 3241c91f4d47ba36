"""Pairing a browser as a display: a one-time code, never an admin's credential.

An administrator makes a code (`antrean display pair`, or the REST call);
the TV opens the link or types the code; claiming it creates a display
device whose token the browser keeps in a cookie. The code works once, for
`PAIRING_MINUTES`, and only its hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from antrean.spoken import DEFAULT_WORDING, check_wording
from antrean.vocabulary import DeviceKind
from antrean.voice import SoundMode
from server.admin import add_device
from server.auth import caller_for_token
from server.engine.errors import QueueError
from server.engine.model import Site
from server.permissions import Caller
from server.store import accounts, pairings
from server.store.pairings import PairingRecord
from server.store.unit_of_work import UnitOfWork

PAIRING_MINUTES = 30
# No 0/O and 1/I/L: the code is read off a phone and typed with a TV's remote.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

ServiceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{1,3}$", to_upper=True)]


class TvOptions(BaseModel):
    """What one TV's wall shows and says (chosen when the code is made)."""

    model_config = ConfigDict(extra="forbid")

    services: list[ServiceCode] = Field(default_factory=list)
    counters: list[Annotated[int, Field(ge=1, le=999)]] = Field(default_factory=list)
    sound: SoundMode = SoundMode.VOICE
    wording: str = DEFAULT_WORDING
    closing_chime: bool = False
    fresh_seconds: float = Field(default=60.0, ge=1, le=3600)
    title: str | None = Field(default=None, max_length=200)
    recent_calls: int = Field(default=6, ge=0, le=20)

    @field_validator("wording")
    @classmethod
    def _wording(cls, wording: str) -> str:
        return check_wording(wording)


class PairingError(QueueError):
    """The code is unknown, used or expired."""

    def __init__(self) -> None:
        super().__init__("not_authenticated", {"pairing": "unknown, used or expired"})


def normal_code(code: str) -> str:
    """'abcd-efgh ' → 'ABCDEFGH' (dashes, spaces and case as people type them)."""
    return "".join(c for c in code.upper() if c.isalnum())


def shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_digest(code: str) -> str:
    return hashlib.sha256(f"antrean-tv:{normal_code(code)}".encode()).hexdigest()


def create_pairing(
    work: UnitOfWork, site_code: str, now: datetime, name: str | None = None,
    options: TvOptions | None = None,
) -> tuple[PairingRecord, str]:
    """A new code for `site_code`; the code itself is returned once, its hash kept."""
    site = work.site(site_code)
    if site is None:
        raise QueueError("site_not_found", {"site": site_code})
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    pairing = pairings.add(
        work,
        site_id=site.id,
        code_hash=code_digest(code),
        name=name or f"TV {site_code}",
        options=(options or TvOptions()).model_dump(mode="json"),
        created_at=now,
        expires_at=now + timedelta(minutes=PAIRING_MINUTES),
    )
    return pairing, code


def claim(work: UnitOfWork, code: str, now: datetime) -> tuple[PairingRecord, str]:
    """Use the code once: a new display device; its token goes to the browser's cookie."""
    pairing = pairings.by_code(work, code_digest(code))
    if pairing is None or pairing.claimed_at is not None or pairing.expires_at <= now:
        raise PairingError()
    site = work.site_by_id(pairing.site_id)
    device, token = add_device(work, site.code, DeviceKind.DISPLAY, now, name=pairing.name)
    return pairings.claimed(work, pairing, device.id, now), token


def screen_for(work: UnitOfWork, token: str, now: datetime) -> tuple[Caller, Site, TvOptions]:
    """The display a cookie's token belongs to, its office and its options."""
    caller = caller_for_token(work, token, now)
    if caller.device_kind is not DeviceKind.DISPLAY or caller.device_id is None:
        raise QueueError("forbidden")
    device = accounts.device(work, caller.device_id)
    site = work.site_by_id(caller.site_id) if caller.site_id else None
    if device is None or site is None:
        raise QueueError("not_authenticated")
    pairing = pairings.of_device(work, device.id)
    options = TvOptions.model_validate(pairing.options) if pairing else TvOptions()
    return caller, site, options
