"""The walls' pictures on the pages: upload, put in order, remove."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from antrean.protocol import SiteCode
from server.engine.errors import QueueError
from server.operations import Outcome
from server.slides import (
    MAX_BYTES,
    MAX_SLIDES,
    NotAPicture,
    TooManySlides,
    add_slide,
    move_slide,
    remove_slide,
)
from server.store import slides
from server.store.unit_of_work import UnitOfWork
from server.web.admin.common import (
    admin,
    author,
    done,
    in_thread,
    office_changed,
    operations_of,
    page,
    refused_page,
    site_to_administer,
)
from server.web.i18n import language, translate
from server.web.session import SignedIn, check_csrf

router = APIRouter(include_in_schema=False)


@router.get("/admin/sites/{site_code}/slides")
def slides_page(request: Request, site_code: SiteCode) -> Response:
    try:
        who = admin(request)
        with operations_of(request).db.reading() as work:
            site = site_to_administer(work, who.caller, site_code)
            found = slides.of_site(work, site.id)
    except QueueError as error:
        return refused_page(request, error)
    return page(
        request, who, "admin/slides.html",
        {"slides": found, "max_mb": MAX_BYTES // (1024 * 1024), "max_slides": MAX_SLIDES},
        site=site, section="slides",
    )


@router.get("/admin/sites/{site_code}/slides/{slide_id}/picture")
def slide_picture(request: Request, site_code: SiteCode, slide_id: int) -> Response:
    """The picture itself, for the admin's own page (walls use the API's address)."""
    try:
        who = admin(request)
        with operations_of(request).db.reading() as work:
            site = site_to_administer(work, who.caller, site_code)
            record = next((s for s in slides.of_site(work, site.id) if s.id == slide_id), None)
            data = slides.data(work, slide_id) if record else None
    except QueueError as error:
        return refused_page(request, error)
    if record is None or data is None:
        return Response(status_code=404)
    return Response(data, media_type=record.media_type,
                    headers={"Cache-Control": "private, max-age=3600"})


@router.post("/admin/sites/{site_code}/slides")
async def slide_upload(request: Request, site_code: SiteCode) -> Response:
    try:
        who = await in_thread(admin, request)
        data = b""
        name = ""
        async with request.form(max_files=1) as form:  # closes the uploaded file's spool
            check_csrf(request, who.session, form.get("csrf"))
            upload = form.get("picture")
            if isinstance(upload, UploadFile):
                data = await upload.read(MAX_BYTES + 1)
                name = (upload.filename or "").rsplit("/", 1)[-1]
        response: Response = await in_thread(_upload, request, who, site_code, name, data)
        return response
    except QueueError as error:
        return await in_thread(refused_page, request, error)


def _upload(
    request: Request, who: SignedIn, site_code: str, name: str, data: bytes
) -> Response:
    lang = language(request)
    target = f"/admin/sites/{site_code}/slides"
    if not data:
        return done(request, who, target, translate(lang, "admin_err_no_picture"))

    def work(unit: UnitOfWork, now: Any) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        add_slide(unit, author(who), now, site, name, data)
        return Outcome(201, None)

    try:
        operations_of(request).run(who.caller, None, work)
    except NotAPicture as problem:
        return done(request, who, target,
                    translate(lang, "admin_err_picture", detail=str(problem),
                              mb=MAX_BYTES // (1024 * 1024)))
    except TooManySlides:
        return done(request, who, target, translate(lang, "admin_err_slides", most=MAX_SLIDES))
    office_changed(request, site_code)
    return done(request, who, target, translate(lang, "admin_slide_added", name=name))


async def _posted(
    request: Request, site_code: str, handler: Callable[..., Response], *args: Any
) -> Response:
    try:
        who = await in_thread(admin, request)
        values = await request.form()
        check_csrf(request, who.session, values.get("csrf"))
        response: Response = await in_thread(
            handler, request, who, site_code, *args, dict(values)
        )
        return response
    except QueueError as error:
        return await in_thread(refused_page, request, error)


@router.post("/admin/sites/{site_code}/slides/{slide_id}/move")
async def slide_move(request: Request, site_code: SiteCode, slide_id: int) -> Response:
    return await _posted(request, site_code, _move, slide_id)


def _move(
    request: Request, who: SignedIn, site_code: str, slide_id: int, values: dict[str, Any]
) -> Response:
    step = -1 if values.get("direction") == "up" else 1

    def work(unit: UnitOfWork, now: Any) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        move_slide(unit, author(who), now, site, slide_id, step)
        return Outcome(200, None)

    operations_of(request).run(who.caller, None, work)
    office_changed(request, site_code)
    return done(request, who, f"/admin/sites/{site_code}/slides",
                translate(language(request), "admin_slides_ordered"))


@router.post("/admin/sites/{site_code}/slides/{slide_id}/remove")
async def slide_remove(request: Request, site_code: SiteCode, slide_id: int) -> Response:
    return await _posted(request, site_code, _remove, slide_id)


def _remove(
    request: Request, who: SignedIn, site_code: str, slide_id: int, values: dict[str, Any]
) -> Response:
    def work(unit: UnitOfWork, now: Any) -> Outcome:
        site = site_to_administer(unit, who.caller, site_code)
        remove_slide(unit, author(who), now, site, slide_id)
        return Outcome(200, None)

    operations_of(request).run(who.caller, None, work)
    office_changed(request, site_code)
    return done(request, who, f"/admin/sites/{site_code}/slides",
                translate(language(request), "admin_slide_removed"))
