"""An office's set-up on the pages: its details and hours, services, counters,
running text and its office file — each change made by `apply_office`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import ValidationError

from antrean.protocol import SiteCode
from server.engine.errors import QueueError
from server.engine.schedule import WEEKDAYS
from server.office.apply import (
    OfficeChangeRefused,
    planned_changes,
    stored_office,
    with_counter,
    with_service,
    without_counter,
)
from server.office.changes import Change
from server.office.file import (
    ZONE_NAMES,
    CounterEntry,
    OfficeFile,
    OfficeFileError,
    ServiceEntry,
    parse_office_file,
    render,
)
from server.web.admin.common import (
    admin,
    change_office,
    done,
    form_of,
    in_thread,
    operations_of,
    page,
    refused_page,
    site_to_administer,
)
from server.web.admin.forms import Form, FormErrors, explained, version_of, week_text
from server.web.i18n import language, translate
from server.web.session import SignedIn

router = APIRouter(include_in_schema=False)

SITE_FIELDS = {
    "name": "name", "address": "address", "timezone": "timezone", "public_url": "public_url",
    "priority_max_in_row": "priority_max_in_row", "cutoff_minutes": "cutoff_minutes",
    "announcements": "announcements", "closed_dates": "closed_dates",
}
SERVICE_FIELDS = {
    "code": "code", "name": "name", "requirements": "requirements",
    "daily_quota": "daily_quota", "minutes": "minutes",
    "wait_target_minutes": "wait_target_minutes", "notify_ahead": "notify_ahead",
    "closed_dates": "closed_dates", **{day: f"hours_{day}" for day in WEEKDAYS},
}
COUNTER_FIELDS = {"number": "number", "name": "name", "services": "services"}
ZONES = [(zone, name) for name, zone in ZONE_NAMES.items()]


def _stored(request: Request, who: SignedIn, site_code: str) -> tuple[Any, OfficeFile]:
    with operations_of(request).db.reading() as work:
        site = site_to_administer(work, who.caller, site_code)
        return site, stored_office(work, site)


def _said(lang: str, found: list[Change]) -> str:
    if not found:
        return translate(lang, "admin_no_change")
    return translate(lang, "admin_saved", count=len(found))


def _refusal_words(lang: str, refused: OfficeChangeRefused) -> str:
    return translate(lang, "admin_counter_busy", detail=str(refused))


# --- the office's details and hours ---------------------------------------------------


def _site_values(office: OfficeFile) -> dict[str, Any]:
    site = office.site
    return {
        "name": site.name,
        "address": "\n".join(site.address),
        "timezone": site.timezone,
        "public_url": site.public_url or "",
        "priority_max_in_row": str(site.priority_max_in_row),
        "cutoff_minutes": str(site.cutoff_minutes),
        "closed_dates": "\n".join(d.isoformat() for d in site.closed_dates),
        **{f"hours_{d}": v for d, v in week_text(site.hours.model_dump()).items()},
        **{f"breaks_{d}": v for d, v in week_text(site.breaks.model_dump()).items()},
        "version": _site_version(office),
    }


def _site_version(office: OfficeFile) -> str:
    # The running text has its own page: changing it does not make this form stale.
    return version_of(office.site.model_dump(mode="json", exclude={"announcements"}))


def _office_page(
    request: Request, who: SignedIn, site: Any, values: dict[str, Any],
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Response:
    return page(
        request, who, "admin/office.html",
        {"values": values, "errors": errors or {}, "weekdays": WEEKDAYS, "zones": ZONES},
        site=site, section="office", status_code=status_code,
    )


@router.get("/admin/sites/{site_code}")
def office_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)
    return _office_page(request, who, site, _site_values(office))


@router.post("/admin/sites/{site_code}")
async def office_save(request: Request, site_code: SiteCode) -> Response:
    try:
        who = await in_thread(admin, request)
        values = await form_of(request, who)
        return await in_thread(_office_save, request, who, site_code, values)
    except QueueError as error:
        return await in_thread(refused_page, request, error)


def _office_save(
    request: Request, who: SignedIn, site_code: str, values: dict[str, Any]
) -> Response:
    lang = language(request)
    form = Form(values, lang)
    site, _ = _stored(request, who, site_code)

    def build(current: OfficeFile) -> OfficeFile:
        if form.raw("version") != _site_version(current):
            raise FormErrors({"": translate(lang, "admin_err_stale")})
        data = current.model_dump(mode="json")
        data["site"].update(
            name=form.text("name", 200, required=True),
            address=form.lines("address", 200, most=6),
            timezone=form.text("timezone", 40, required=True),
            public_url=form.text("public_url", 300) or None,
            priority_max_in_row=form.whole("priority_max_in_row", 1, 20, required=True),
            cutoff_minutes=form.whole("cutoff_minutes", 0, 240) or 0,
            closed_dates=form.dates("closed_dates"),
            hours=form.week("hours"),
            breaks=form.week("breaks"),
        )
        url = data["site"]["public_url"]
        if url and not url.startswith(("http://", "https://")):
            form.wrong("public_url", "admin_err_url")
        form.check()
        try:
            return OfficeFile.model_validate(data)
        except ValidationError as error:
            raise explained(error, lang, SITE_FIELDS) from None

    try:
        found = change_office(request, who, site_code, build)
    except FormErrors as mistakes:
        kept = {**values, "version": _site_values(_stored(request, who, site_code)[1])["version"]}
        return _office_page(request, who, site, kept, mistakes.errors, 400)
    return done(request, who, f"/admin/sites/{site_code}", _said(lang, found))


# --- services ---------------------------------------------------------------------------


@router.get("/admin/sites/{site_code}/services")
def services_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)
    served: dict[str, list[int]] = {}
    for counter in office.counters:
        for code in counter.services:
            served.setdefault(code, []).append(counter.number)
    return page(
        request, who, "admin/services.html",
        {"office": office, "served": served}, site=site, section="services",
    )


def _service_values(entry: ServiceEntry | None) -> dict[str, Any]:
    if entry is None:
        return {"minutes": "10", "active": "on", **{f"hours_{d}": "" for d in WEEKDAYS}}
    hours = entry.hours.model_dump() if entry.hours else None
    return {
        "code": entry.code,
        "name": entry.name,
        "requirements": entry.requirements,
        "daily_quota": "" if entry.daily_quota is None else str(entry.daily_quota),
        "minutes": _figure(entry.minutes),
        "wait_target_minutes": _blank(entry.wait_target_minutes),
        "notify_ahead": _blank(entry.notify_ahead),
        "active": "on" if entry.active else "",
        "own_hours": "on" if hours else "",
        **{f"hours_{d}": v for d, v in week_text(hours).items()},
        "closed_dates": "\n".join(d.isoformat() for d in entry.closed_dates),
        "version": version_of(entry.model_dump(mode="json")),
    }


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _service_page(
    request: Request, who: SignedIn, site: Any, office: OfficeFile, code: str | None,
    values: dict[str, Any], errors: dict[str, str] | None = None, status_code: int = 200,
) -> Response:
    return page(
        request, who, "admin/service.html",
        {"code": code, "values": values, "errors": errors or {}, "weekdays": WEEKDAYS,
         "office": office},
        site=site, section="services", status_code=status_code,
    )


@router.get("/admin/sites/{site_code}/services/new")
def service_new(request: Request, site_code: SiteCode) -> Response:
    return _service_form(request, site_code, None)


@router.get("/admin/sites/{site_code}/services/{code}")
def service_edit(request: Request, site_code: SiteCode, code: str) -> Response:
    return _service_form(request, site_code, code.upper())


def _service_form(request: Request, site_code: str, code: str | None) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
        entry = None
        if code is not None:
            entry = next((s for s in office.services if s.code == code), None)
            if entry is None:
                raise QueueError("service_not_found", {"service": code})
    except QueueError as error:
        return refused_page(request, error)
    return _service_page(request, who, site, office, code, _service_values(entry))


@router.post("/admin/sites/{site_code}/services/new")
async def service_add(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _service_save, None)


@router.post("/admin/sites/{site_code}/services/{code}")
async def service_save(request: Request, site_code: SiteCode, code: str) -> Response:
    return await _posted(request, site_code, _service_save, code.upper())


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


def _service_save(
    request: Request, who: SignedIn, site_code: str, code: str | None, values: dict[str, Any]
) -> Response:
    lang = language(request)
    form = Form(values, lang)
    site, office = _stored(request, who, site_code)

    def build(current: OfficeFile) -> OfficeFile:
        existing = {s.code: s for s in current.services}
        if code is None:
            new_code = form.text("code", 1, required=True).upper()
            if new_code and not ("A" <= new_code <= "Z"):
                form.wrong("code", "admin_err_code_letter")
            elif new_code in existing:
                form.wrong("code", "admin_err_code_used", code=new_code,
                           name=existing[new_code].name)
        else:
            if code not in existing:
                raise QueueError("service_not_found", {"service": code})
            if form.raw("version") != version_of(existing[code].model_dump(mode="json")):
                raise FormErrors({"": translate(lang, "admin_err_stale")})
            new_code = code
        own = form.checked("own_hours")
        hours = form.week("hours") if own else None
        if own and hours is not None and not any(hours.values()) and not any(
            f"hours_{day}" in form.errors for day in WEEKDAYS
        ):
            form.wrong("hours_mon", "admin_err_no_hours")
        data = {
            "code": new_code,
            "name": form.text("name", 120, required=True),
            "requirements": form.text("requirements", 2000),
            "daily_quota": form.whole("daily_quota", 1, 999),
            "minutes": form.decimal("minutes", 0, 480),
            "wait_target_minutes": form.whole("wait_target_minutes", 1, 600),
            "notify_ahead": form.whole("notify_ahead", 1, 50),
            "active": form.checked("active"),
            "hours": hours,
            "closed_dates": form.dates("closed_dates"),
        }
        form.check()
        try:
            return with_service(current, ServiceEntry.model_validate(data), code)
        except ValidationError as error:
            raise explained(error, lang, SERVICE_FIELDS) from None

    try:
        found = change_office(request, who, site_code, build)
    except FormErrors as mistakes:
        fresh = _stored(request, who, site_code)[1]
        entry = next((s for s in fresh.services if s.code == code), None)
        kept = {**values, "version": _service_values(entry).get("version", "")}
        return _service_page(request, who, site, office, code, kept, mistakes.errors, 400)
    return done(request, who, f"/admin/sites/{site_code}/services", _said(lang, found))


@router.post("/admin/sites/{site_code}/services/{code}/move")
async def service_move(request: Request, site_code: SiteCode, code: str) -> Response:
    return await _posted(request, site_code, _service_move, code.upper())


def _service_move(
    request: Request, who: SignedIn, site_code: str, code: str, values: dict[str, Any]
) -> Response:
    step = -1 if values.get("direction") == "up" else 1

    def build(current: OfficeFile) -> OfficeFile:
        services = list(current.services)
        at = next((i for i, s in enumerate(services) if s.code == code), None)
        if at is None:
            raise QueueError("service_not_found", {"service": code})
        to = min(max(at + step, 0), len(services) - 1)
        services.insert(to, services.pop(at))
        return current.model_copy(update={"services": services})

    found = change_office(request, who, site_code, build)
    return done(request, who, f"/admin/sites/{site_code}/services",
                _said(language(request), found))


# --- counters ----------------------------------------------------------------------------


@router.get("/admin/sites/{site_code}/counters")
def counters_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
        with operations_of(request).db.reading() as work:
            states = {c.number: c.state for c in work.counters(site.id) if c.active}
    except QueueError as error:
        return refused_page(request, error)
    names = {s.code: s.name for s in office.services}
    return page(
        request, who, "admin/counters.html",
        {"office": office, "names": names, "states": states},
        site=site, section="counters",
    )


def _counter_values(entry: CounterEntry | None, office: OfficeFile) -> dict[str, Any]:
    if entry is None:
        taken = [c.number for c in office.counters]
        return {"number": str(max(taken, default=0) + 1), "name": ""}
    values: dict[str, Any] = {
        "number": str(entry.number), "name": entry.name,
        "version": version_of(entry.model_dump(mode="json")),
    }
    for place, code in enumerate(entry.services, 1):
        values[f"serve_{code}"] = "on"
        values[f"order_{code}"] = str(place)
    return values


def _counter_page(
    request: Request, who: SignedIn, site: Any, office: OfficeFile, number: int | None,
    values: dict[str, Any], errors: dict[str, str] | None = None, status_code: int = 200,
) -> Response:
    return page(
        request, who, "admin/counter.html",
        {"number": number, "values": values, "errors": errors or {}, "office": office},
        site=site, section="counters", status_code=status_code,
    )


@router.get("/admin/sites/{site_code}/counters/new")
def counter_new(request: Request, site_code: SiteCode) -> Response:
    return _counter_form(request, site_code, None)


@router.get("/admin/sites/{site_code}/counters/{number}")
def counter_edit(request: Request, site_code: SiteCode, number: int) -> Response:
    return _counter_form(request, site_code, number)


def _counter_form(request: Request, site_code: str, number: int | None) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
        entry = None
        if number is not None:
            entry = next((c for c in office.counters if c.number == number), None)
            if entry is None:
                raise QueueError("counter_not_found", {"counter": number})
    except QueueError as error:
        return refused_page(request, error)
    return _counter_page(request, who, site, office, number, _counter_values(entry, office))


@router.post("/admin/sites/{site_code}/counters/new")
async def counter_add(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _counter_save, None)


@router.post("/admin/sites/{site_code}/counters/{number}")
async def counter_save(request: Request, site_code: SiteCode, number: int) -> Response:
    return await _posted(request, site_code, _counter_save, number)


def _chosen_services(form: Form, office: OfficeFile) -> list[str]:
    chosen = []
    for position, service in enumerate(office.services):
        if form.checked(f"serve_{service.code}"):
            order = form.whole(f"order_{service.code}", 1, 99) or 99
            chosen.append((order, position, service.code))
    if not chosen:
        form.wrong("services", "admin_err_choose_service")
    return [code for _, _, code in sorted(chosen)]


def _counter_save(
    request: Request, who: SignedIn, site_code: str, number: int | None, values: dict[str, Any]
) -> Response:
    lang = language(request)
    form = Form(values, lang)
    site, office = _stored(request, who, site_code)

    def build(current: OfficeFile) -> OfficeFile:
        existing = {c.number: c for c in current.counters}
        if number is None:
            new_number = form.whole("number", 1, 999, required=True)
            if new_number in existing:
                form.wrong("number", "admin_err_counter_used", number=new_number)
        else:
            if number not in existing:
                raise QueueError("counter_not_found", {"counter": number})
            if form.raw("version") != version_of(existing[number].model_dump(mode="json")):
                raise FormErrors({"": translate(lang, "admin_err_stale")})
            new_number = number
        data = {
            "number": new_number,
            "name": form.text("name", 120),
            "services": _chosen_services(form, current),
        }
        form.check()
        try:
            return with_counter(current, CounterEntry.model_validate(data), number)
        except ValidationError as error:
            raise explained(error, lang, COUNTER_FIELDS) from None

    try:
        found = change_office(request, who, site_code, build)
    except FormErrors as mistakes:
        fresh = _stored(request, who, site_code)[1]
        entry = next((c for c in fresh.counters if c.number == number), None)
        kept = {**values, "version": _counter_values(entry, fresh).get("version", "")}
        return _counter_page(request, who, site, office, number, kept, mistakes.errors, 400)
    return done(request, who, f"/admin/sites/{site_code}/counters", _said(lang, found))


@router.post("/admin/sites/{site_code}/counters/{number}/retire")
async def counter_retire(request: Request, site_code: SiteCode, number: int) -> Response:
    return await _posted(request, site_code, _counter_retire, number)


def _counter_retire(
    request: Request, who: SignedIn, site_code: str, number: int, values: dict[str, Any]
) -> Response:
    lang = language(request)
    try:
        found = change_office(request, who, site_code, lambda o: without_counter(o, number))
    except OfficeChangeRefused as refused:
        return done(request, who, f"/admin/sites/{site_code}/counters",
                    _refusal_words(lang, refused))
    except ValidationError:
        # The office would be left without a counter at all: not allowed by the file either.
        return done(request, who, f"/admin/sites/{site_code}/counters",
                    translate(lang, "admin_err_last_counter"))
    return done(request, who, f"/admin/sites/{site_code}/counters", _said(lang, found))


# --- the running text ---------------------------------------------------------------------


@router.get("/admin/sites/{site_code}/announcements")
def announcements_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)
    values = {
        "announcements": "\n".join(office.site.announcements),
        "version": version_of(office.site.announcements),
    }
    return page(
        request, who, "admin/announcements.html",
        {"values": values, "errors": {}, "current": office.site.announcements},
        site=site, section="announcements",
    )


@router.post("/admin/sites/{site_code}/announcements")
async def announcements_save(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _announcements_save)


def _announcements_save(
    request: Request, who: SignedIn, site_code: str, values: dict[str, Any]
) -> Response:
    lang = language(request)
    form = Form(values, lang)
    site, office = _stored(request, who, site_code)

    def build(current: OfficeFile) -> OfficeFile:
        if form.raw("version") != version_of(current.site.announcements):
            raise FormErrors({"": translate(lang, "admin_err_stale")})
        lines = form.lines("announcements", 300, most=20)
        form.check()
        site_entry = current.site.model_copy(update={"announcements": lines})
        return current.model_copy(update={"site": site_entry})

    try:
        found = change_office(request, who, site_code, build)
    except FormErrors as mistakes:
        fresh = _stored(request, who, site_code)[1]
        kept = {**values, "version": version_of(fresh.site.announcements)}
        return page(
            request, who, "admin/announcements.html",
            {"values": kept, "errors": mistakes.errors, "current": office.site.announcements},
            site=site, section="announcements", status_code=400,
        )
    return done(request, who, f"/admin/sites/{site_code}/announcements", _said(lang, found))


# --- the office file ---------------------------------------------------------------------


@router.get("/admin/sites/{site_code}/file")
def file_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        site, office = _stored(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)
    return page(
        request, who, "admin/file.html",
        {"text": render(office), "planned": None, "error": ""},
        site=site, section="file",
    )


@router.get("/admin/sites/{site_code}/office.toml")
def file_download(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        _, office = _stored(request, who, site_code)
    except QueueError as error:
        return refused_page(request, error)
    return PlainTextResponse(
        render(office), media_type="application/toml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{site_code}.toml"'},
    )


@router.post("/admin/sites/{site_code}/file")
async def file_apply(request: Request, site_code: SiteCode) -> Response:
    return await _posted(request, site_code, _file_apply)


def _file_apply(
    request: Request, who: SignedIn, site_code: str, values: dict[str, Any]
) -> Response:
    """First a preview of what the file would change; applied when confirmed."""
    lang = language(request)
    site, _ = _stored(request, who, site_code)
    text = str(values.get("text", ""))
    context: dict[str, Any] = {"text": text, "planned": None, "error": ""}
    try:
        wanted = parse_office_file(text)
        if wanted.site.code != site_code:
            raise OfficeFileError(
                translate(lang, "admin_file_other_site", code=wanted.site.code, site=site_code)
            )
        if values.get("confirm") != "yes":
            with operations_of(request).db.reading() as work:
                context["planned"] = [c.describe() for c in planned_changes(work, wanted)]
            return page(request, who, "admin/file.html", context, site=site, section="file")
        found = change_office(request, who, site_code, lambda current: wanted)
    except (OfficeFileError, OfficeChangeRefused) as problem:
        context["error"] = str(problem)
        return page(request, who, "admin/file.html", context, site=site, section="file",
                    status_code=400)
    return done(request, who, f"/admin/sites/{site_code}/file", _said(lang, found))
