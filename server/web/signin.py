"""Signing in and out of the pages, and choosing their language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from server.engine.errors import QueueError
from server.web.i18n import LANGUAGE_COOKIE, LANGUAGES, language, refusal, translate
from server.web.pages import render, safe_next
from server.web.session import (
    SignInRequired,
    check_csrf,
    end_session,
    sessions_of,
    signed_in,
    start_session,
)

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form()]


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "", why: str = "") -> Response:
    lang = language(request)
    notice = translate(lang, "session_ended") if why == "expired" else ""
    if why == "signed_out":
        notice = translate(lang, "signed_out")
    return render(request, "signin.html", {"next": safe_next(next), "notice": notice})


@router.post("/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Field = "",
    next: Field = "",
) -> Response:
    check_csrf(request, None, csrf)
    target = safe_next(next)
    response = RedirectResponse(target, status_code=303)
    try:
        start_session(request, response, username.strip(), password)
    except QueueError as refused:
        return render(
            request, "signin.html",
            {"next": target, "error": refusal(language(request), refused.code),
             "username": username},
            status_code=401,
        )
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf: Field = "") -> Response:
    try:
        who = signed_in(request)
    except SignInRequired:
        response = RedirectResponse("/sign-in", status_code=303)
        sessions_of(request).clear(response)
        return response
    check_csrf(request, who.session, csrf)
    response = RedirectResponse("/sign-in?why=signed_out", status_code=303)
    end_session(request, response, who.session)
    return response


@router.post("/language")
def choose_language(
    request: Request, lang: Field = "id", csrf: Field = "", back: Field = ""
) -> Response:
    try:
        session = signed_in(request).session
    except SignInRequired:
        session = None
    check_csrf(request, session, csrf)
    response = RedirectResponse(safe_next(back, "/sign-in"), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, lang if lang in LANGUAGES else "id", max_age=365 * 24 * 3600,
        samesite="lax", path="/",
    )
    return response
