"""Users on the pages: who they are, their role and the offices they may act at.

An admin of every office manages everyone; an admin of some offices manages
the users who act only at those offices, and gives no one more than that.
Nobody changes their own role, offices or access here (no locking oneself
out); one's own name and password may be changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from antrean.vocabulary import Role
from server.admin import MIN_PASSWORD, UserSettings, save_user
from server.engine.errors import QueueError
from server.engine.model import Site
from server.operations import Outcome
from server.permissions import may_manage_user
from server.store import accounts
from server.store.accounts import UserRecord
from server.store.unit_of_work import UnitOfWork
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
from server.web.admin.forms import Form, FormErrors
from server.web.i18n import language, translate
from server.web.session import SignedIn

router = APIRouter(include_in_schema=False)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.OFFICER)


@dataclass(frozen=True)
class UserRow:
    user: UserRecord
    site: str | None
    others: list[str]


def _sites_of(user: UserRecord, others: tuple[int, ...]) -> frozenset[int] | None:
    return None if user.site_id is None else frozenset({user.site_id, *others})


def _visible(work: UnitOfWork, who: SignedIn) -> list[UserRow]:
    names = {s.id: s.code for s in work.sites()}
    others = accounts.every_users_other_sites(work)
    rows = []
    for user in accounts.users(work):
        further = others.get(user.id, ())
        if user.id == who.user.id or may_manage_user(who.caller, _sites_of(user, further)):
            rows.append(UserRow(
                user, names.get(user.site_id) if user.site_id else None,
                [names[i] for i in further if i in names],
            ))
    return rows


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    try:
        who = admin(request)
        with operations_of(request).db.reading() as work:
            rows = _visible(work, who)
    except QueueError as error:
        return refused_page(request, error)
    return page(request, who, "admin/users.html", {"rows": rows}, section="users")


def _choices(work: UnitOfWork, who: SignedIn) -> list[Site]:
    return administered_sites(work, who.caller)


def _user_page(
    request: Request, who: SignedIn, user: UserRecord | None, values: dict[str, Any],
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Response:
    with operations_of(request).db.reading() as work:
        sites = _choices(work, who)
    return page(
        request, who, "admin/user.html",
        {"user": user, "values": values, "errors": errors or {}, "roles": ROLES,
         "choices": sites, "myself": user is not None and user.id == who.user.id,
         "min_password": MIN_PASSWORD},
        section="users", status_code=status_code,
    )


def _values(work: UnitOfWork, user: UserRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "username": user.username, "full_name": user.full_name, "role": user.role.value,
        "site": str(user.site_id or ""), "active": "on" if user.active else "",
    }
    for site_id in accounts.other_sites(work, user.id):
        values[f"also_{site_id}"] = "on"
    return values


def _managed_user(work: UnitOfWork, who: SignedIn, user_id: int) -> UserRecord:
    user = accounts.user_by_id(work, user_id)
    if user is None:
        raise QueueError("not_found", {"user": user_id})
    if user.id != who.user.id and not may_manage_user(
        who.caller, _sites_of(user, accounts.other_sites(work, user.id))
    ):
        raise QueueError("forbidden")
    return user


@router.get("/admin/users/new")
def user_new(request: Request) -> Response:
    try:
        who = admin(request)
    except QueueError as error:
        return refused_page(request, error)
    home = "" if who.caller.site_id is None else str(who.caller.site_id)
    return _user_page(request, who, None, {"role": "officer", "site": home, "active": "on"})


@router.get("/admin/users/{user_id}")
def user_edit(request: Request, user_id: int) -> Response:
    try:
        who = admin(request)
        with operations_of(request).db.reading() as work:
            user = _managed_user(work, who, user_id)
            values = _values(work, user)
    except QueueError as error:
        return refused_page(request, error)
    return _user_page(request, who, user, values)


@router.post("/admin/users/new")
async def user_add(request: Request) -> Response:
    return await _posted(request, None)


@router.post("/admin/users/{user_id}")
async def user_save(request: Request, user_id: int) -> Response:
    return await _posted(request, user_id)


async def _posted(request: Request, user_id: int | None) -> Response:
    try:
        who = await in_thread(admin, request)
        values = await form_of(request, who)
        response: Response = await in_thread(_save, request, who, user_id, values)
        return response
    except QueueError as error:
        return await in_thread(refused_page, request, error)


def _save(
    request: Request, who: SignedIn, user_id: int | None, values: dict[str, Any]
) -> Response:
    lang = language(request)
    form = Form(values, lang)
    operations = operations_of(request)
    saved: list[UserRecord] = []
    existing: list[UserRecord] = []

    def work(unit: UnitOfWork, now: Any) -> Outcome:
        user = _managed_user(unit, who, user_id) if user_id is not None else None
        existing[:] = [user] if user else []
        wanted = _wanted(unit, who, form, user)
        username = user.username if user else form.text("username", 60, required=True).lower()
        if user is None:
            if username and not USERNAME.match(username):
                form.wrong("username", "admin_err_username")
            elif username and accounts.user_by_name(unit, username) is not None:
                form.wrong("username", "admin_err_username_used", name=username)
        form.check()
        saved[:] = [save_user(unit, author(who), now, user_id, username, wanted)]
        return Outcome(200, None)

    try:
        operations.run(who.caller, None, work)
    except FormErrors as mistakes:
        return _user_page(
            request, who, existing[0] if existing else None,
            {**values, "password": ""}, mistakes.errors, 400,
        )
    message = translate(lang, "admin_user_saved", name=saved[0].username)
    return done(request, who, "/admin/users", message)


def _wanted(
    work: UnitOfWork, who: SignedIn, form: Form, user: UserRecord | None
) -> UserSettings:
    myself = user is not None and user.id == who.user.id
    choices = {s.id for s in _choices(work, who)}
    password = form.raw("password")
    if user is None and not password:
        form.wrong("password", "admin_err_required")
    elif password and len(password) < MIN_PASSWORD:
        form.wrong("password", "admin_err_password", min=MIN_PASSWORD)
    elif len(password) > 200:
        form.wrong("password", "admin_err_too_long", max=200)
    full_name = form.text("full_name", 120)
    if myself:
        assert user is not None
        # One's own role, offices and access stay as they are (no locking oneself out).
        return UserSettings(
            full_name, user.role, user.site_id, accounts.other_sites(work, user.id), True,
            password or None,
        )
    role_text = form.raw("role")
    role = next((r for r in ROLES if r.value == role_text), None)
    if role is None:
        form.wrong("role", "admin_err_choose")
        role = Role.OFFICER
    site_text = form.raw("site")
    site_id = int(site_text) if site_text.isdigit() else None
    if site_id is not None and site_id not in choices:
        form.wrong("site", "admin_err_choose")
    others = tuple(i for i in sorted(choices) if form.checked(f"also_{i}") and i != site_id)
    sites = None if site_id is None else frozenset({site_id, *others})
    if not may_manage_user(who.caller, sites):
        form.wrong("site", "admin_err_site_needed")
    return UserSettings(full_name, role, site_id, others, form.checked("active"),
                        password or None)
