"""The admin pages: the offices an admin looks after, and a new office from a file.

Each part has its own module (office.py: details, hours, services, counters,
running text, the office file; people.py: users; devices.py; slides.py;
audit.py); `router` serves them all. The fixed addresses (/admin/users,
/admin/audit, /admin/new) and an office's pages (/admin/sites/<code>/…)
never collide, whatever an office's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.engine.errors import QueueError
from server.office.apply import OfficeChangeRefused, apply_office, planned_changes
from server.office.examples import EXAMPLE
from server.office.file import OfficeFileError, parse_office_file
from server.operations import Outcome
from server.permissions import may_administer_everything
from server.store import accounts
from server.store.unit_of_work import UnitOfWork
from server.web.admin import audit, devices, office, people, slides
from server.web.admin.common import (
    admin,
    administered_sites,
    author,
    done,
    form_of,
    in_thread,
    operations_of,
    page,
    refused_page,
)
from server.web.i18n import language, translate
from server.web.session import SignedIn

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class OfficeCard:
    code: str
    name: str
    timezone: str
    services: int
    inactive_services: int
    counters: int
    devices: int
    revoked: int


@router.get("/admin")
def overview(request: Request) -> Response:
    try:
        who = admin(request)
    except QueueError as error:
        return refused_page(request, error)
    with operations_of(request).db.reading() as work:
        sites = administered_sites(work, who.caller)
        devices_by_site: dict[int, list[Any]] = {}
        for device in accounts.devices(work):
            devices_by_site.setdefault(device.site_id, []).append(device)
        cards = []
        for site in sites:
            services = work.services(site.id)
            found = devices_by_site.get(site.id, [])
            cards.append(OfficeCard(
                site.code, site.name, site.timezone,
                sum(1 for s in services if s.active), sum(1 for s in services if not s.active),
                sum(1 for c in work.counters(site.id) if c.active),
                sum(1 for d in found if d.revoked_at is None),
                sum(1 for d in found if d.revoked_at is not None),
            ))
    if len(cards) == 1 and not may_administer_everything(who.caller):
        return RedirectResponse(f"/admin/sites/{cards[0].code}", status_code=303)
    return page(request, who, "admin/overview.html", {"cards": cards}, section="overview")


@router.get("/admin/new")
def new_office(request: Request) -> Response:
    try:
        who = _everything(request)
    except QueueError as error:
        return refused_page(request, error)
    text = EXAMPLE.read_text(encoding="utf-8")
    return page(request, who, "admin/new.html", {"text": text, "planned": None, "error": ""},
                section="overview")


def _everything(request: Request) -> SignedIn:
    who = admin(request)
    if not may_administer_everything(who.caller):
        raise QueueError("forbidden")
    return who


@router.post("/admin/new")
async def new_office_apply(request: Request) -> Response:
    try:
        who = await in_thread(_everything, request)
        values = await form_of(request, who)
        response: Response = await in_thread(_create, request, who, values)
        return response
    except QueueError as error:
        return await in_thread(refused_page, request, error)


def _create(request: Request, who: SignedIn, values: dict[str, Any]) -> Response:
    lang = language(request)
    text = str(values.get("text", ""))
    context: dict[str, Any] = {"text": text, "planned": None, "error": ""}
    operations = operations_of(request)
    try:
        wanted = parse_office_file(text)
        with operations.db.reading() as work:
            if work.site(wanted.site.code) is not None:
                raise OfficeFileError(translate(lang, "admin_office_exists",
                                                code=wanted.site.code))
            if values.get("confirm") != "yes":
                context["planned"] = [c.describe() for c in planned_changes(work, wanted)]
                return page(request, who, "admin/new.html", context, section="overview")

        def create(unit: UnitOfWork, now: Any) -> Outcome:
            apply_office(unit, wanted, author(who), now)
            return Outcome(201, None)

        operations.run(who.caller, None, create)
    except (OfficeFileError, OfficeChangeRefused) as problem:
        context["error"] = str(problem)
        return page(request, who, "admin/new.html", context, section="overview",
                    status_code=400)
    return done(request, who, f"/admin/sites/{wanted.site.code}",
                translate(lang, "admin_office_created", name=wanted.site.name))


# Fixed addresses first: /admin/users must not be read as an office's page.
for part in (people.router, audit.router, office.router, devices.router, slides.router):
    router.include_router(part)
