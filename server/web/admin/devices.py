"""An office's devices on the pages: add one (its token or a TV's pairing code is
shown once), revoke one, and see how each is: last seen, version, printer paper."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from antrean.health import PrinterState
from antrean.protocol import SiteCode
from antrean.vocabulary import DeviceKind
from server.admin import add_device, revoke_device
from server.audit import record
from server.engine.errors import QueueError
from server.engine.model import Site
from server.operations import Outcome
from server.store import accounts
from server.store.accounts import DeviceRecord
from server.store.unit_of_work import UnitOfWork
from server.web.admin.common import (
    admin,
    author,
    done,
    form_of,
    in_thread,
    operations_of,
    page,
    refused_page,
    site_to_administer,
)
from server.web.admin.forms import Form, FormErrors
from server.web.i18n import language, translate
from server.web.session import SignedIn
from server.web.tv.pairing import PAIRING_MINUTES, create_pairing, shown_code
from server.web.tv.routes import pairing_link

router = APIRouter(include_in_schema=False)

REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,80}$")
ONLINE_WITHIN = timedelta(minutes=2)
"""Seen this recently (a ping or a report), a device counts as online."""
KINDS = (DeviceKind.KIOSK, DeviceKind.COUNTER, DeviceKind.DISPLAY)


@dataclass(frozen=True)
class DeviceRow:
    device: DeviceRecord
    online: bool
    connected: bool
    version: str | None
    printer: str | None
    detail: str | None
    reported_at: str | None
    seen: datetime | None
    """When it was last seen, in the office's own time."""

    @property
    def printer_attention(self) -> bool:
        """Paper to load soon or now, or a printer that does not print."""
        return self.printer is not None and self.printer != PrinterState.OK


def _rows(request: Request, work: UnitOfWork, site: Site, now: datetime) -> list[DeviceRow]:
    realtime = getattr(request.app.state, "realtime", None)
    connected = {
        c.device_id: c for c in (realtime.connected() if realtime else []) if c.device_id
    }
    rows = []
    for device in accounts.devices(work):
        if device.site_id != site.id:
            continue
        health: dict[str, Any] = dict(device.health)
        live = connected.get(device.id)
        seen = device.last_seen_at
        rows.append(DeviceRow(
            device=device,
            online=device.revoked_at is None and (
                live is not None or (seen is not None and now - seen <= ONLINE_WITHIN)
            ),
            connected=live is not None,
            version=(live.version if live and live.version else None) or health.get("version"),
            printer=health.get("printer"),
            detail=health.get("detail"),
            reported_at=health.get("reported_at"),
            seen=seen.astimezone(site.zone) if seen is not None else None,
        ))
    return sorted(rows, key=lambda r: (r.device.revoked_at is not None, r.device.kind, r.device.id))


def _devices_page(
    request: Request, who: SignedIn, site_code: str, extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    operations = operations_of(request)
    now = operations.clock()
    with operations.db.reading() as work:
        site = site_to_administer(work, who.caller, site_code)
        rows = _rows(request, work, site, now)
        counters = sorted(c.number for c in work.counters(site.id) if c.active)
    context: dict[str, Any] = {
        "rows": rows, "kinds": KINDS, "counters": counters,
        "today": now.astimezone(site.zone).date(),
        "request_id": secrets.token_urlsafe(16),
        "values": {"kind": "kiosk"}, "errors": {}, "made": None, "pairing": None,
        "pairing_minutes": PAIRING_MINUTES, **(extra or {}),
    }
    response = page(request, who, "admin/devices.html", context, site=site, section="devices",
                    status_code=status_code)
    # A token or pairing code on this page is shown once: never kept by the browser.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/sites/{site_code}/devices")
def devices_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        return _devices_page(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)


async def _posted(
    request: Request, site_code: str, handler: Callable[..., Response], *args: Any
) -> Response:
    try:
        who = await in_thread(admin, request)
        values = await form_of(request, who)
        response: Response = await in_thread(handler, request, who, site_code, *args, values)
        return response
    except QueueError as error:
        return await in_thread(refused_page, request, error)


@router.post("/admin/sites/{site_code}/devices")
async def device_add(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _add)


def _add(request: Request, who: SignedIn, site_code: str, values: dict[str, Any]) -> Response:
    lang = language(request)
    form = Form(values, lang)
    kind = next((k for k in KINDS if k.value == form.raw("kind")), None)
    if kind is None:
        form.wrong("kind", "admin_err_choose")
    name = form.text("name", 120)
    chosen = values.get("counter", [])
    numbers = sorted({int(n) for n in ([chosen] if isinstance(chosen, str) else chosen)
                      if str(n).isdigit()})
    if kind is DeviceKind.COUNTER and not numbers:
        form.wrong("counter", "admin_err_choose_counter")
    made: list[tuple[DeviceRecord, str]] = []

    def work(unit: UnitOfWork, now: datetime) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        form.check()
        assert kind is not None
        made[:] = [add_device(
            unit, site.code, kind, now, numbers if kind is DeviceKind.COUNTER else [],
            name or None, author(who),
        )]
        return Outcome(201, {"device": made[0][0].id})

    try:
        # The form's own request id: sent again (a reload), it adds no second device.
        outcome = operations_of(request).run(who.caller, _request_id(values), work)
    except FormErrors as mistakes:
        return _devices_page(request, who, site_code,
                             {"values": values, "errors": mistakes.errors}, 400)
    except ValueError as problem:  # a counter that does not exist (any more)
        return _devices_page(request, who, site_code, {
            "values": values,
            "errors": {"counter": translate(lang, "admin_err_other", detail=str(problem))},
        }, 400)
    if not made:
        already = translate(lang, "admin_device_already", id=(outcome.body or {}).get("device"))
        return _devices_page(request, who, site_code, {"errors": {"": already}})
    device, token = made[0]
    return _devices_page(request, who, site_code, {"made": {"device": device, "token": token}})


def _request_id(values: dict[str, Any]) -> str | None:
    sent = values.get("request_id")
    return sent if isinstance(sent, str) and REQUEST_ID.match(sent) else None


@router.post("/admin/sites/{site_code}/devices/pair")
async def device_pair(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _pair)


def _pair(request: Request, who: SignedIn, site_code: str, values: dict[str, Any]) -> Response:
    form = Form(values, language(request))
    name = form.text("tv_name", 120) or None
    made: list[Any] = []

    def work(unit: UnitOfWork, now: datetime) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        form.check()
        pairing, code = create_pairing(unit, site.code, now, name)
        record(unit, author(who), now, "device", f"{site.code}: pairing code for {pairing.name}",
               None, {"name": pairing.name, "expires_at": pairing.expires_at.isoformat()},
               site.id)
        base = site.public_url or str(request.base_url)
        made[:] = [{"name": pairing.name, "code": shown_code(code),
                    "link": pairing_link(base, code), "expires_at": pairing.expires_at}]
        return Outcome(201, None)

    try:
        operations_of(request).run(who.caller, None, work)
    except FormErrors as mistakes:
        return _devices_page(request, who, site_code,
                             {"values": values, "errors": mistakes.errors}, 400)
    return _devices_page(request, who, site_code, {"pairing": made[0]})


@router.post("/admin/sites/{site_code}/devices/{device_id}/revoke")
async def device_revoke(request: Request, site_code: SiteCode, device_id: int) -> Response:
    return await _posted(request, site_code, _revoke, device_id)


def _revoke(
    request: Request, who: SignedIn, site_code: str, device_id: int, values: dict[str, Any]
) -> Response:
    lang = language(request)
    revoked: list[DeviceRecord] = []

    def work(unit: UnitOfWork, now: datetime) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        device = accounts.device(unit, device_id)
        if device is None or device.site_id != site.id:
            raise QueueError("not_found", {"device": device_id})
        if device.revoked_at is None:
            revoked[:] = [revoke_device(unit, device_id, now, author(who))]
        return Outcome(200, None)

    # Its sockets close within a second: on PostgreSQL by the notice the revocation
    # sends, on SQLite by the access watch (server/realtime/service.py).
    operations_of(request).run(who.caller, None, work)
    words = (translate(lang, "admin_device_revoked", name=revoked[0].name) if revoked
             else translate(lang, "admin_no_change"))
    return done(request, who, f"/admin/sites/{site_code}/devices", words)
