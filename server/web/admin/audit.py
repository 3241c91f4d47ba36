"""The audit log on a page: every change to offices, users, devices and slides,
newest first, narrowed by office, person, kind, words and dates.

An admin of every office sees every entry; an admin of some offices sees the
entries of one of their offices at a time. Dates are the chosen office's
local days (Asia/Jakarta when none is chosen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.engine.errors import QueueError
from server.office.changes import show_value
from server.permissions import may_administer_everything
from server.store import accounts, audit
from server.store.audit import AuditEntry, AuditFilter
from server.web.admin.common import admin, administered_sites, operations_of, page, refused_page
from server.web.admin.forms import read_date

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    at: datetime
    site: str | None
    before: str
    after: str


def _shown(value: Any) -> str:
    return "" if value is None else show_value(value)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    site: str = "",
    user: str = "",
    kind: str = "",
    text: str = "",
    since: str = "",
    until: str = "",
    page_number: int = 1,
) -> Response:
    try:
        who = admin(request)
    except QueueError as error:
        return refused_page(request, error)
    with operations_of(request).db.reading() as work:
        sites = administered_sites(work, who.caller)
        everything = may_administer_everything(who.caller)
        chosen = next((s for s in sites if s.code == site), None)
        if chosen is None and not everything:
            chosen = sites[0] if sites else None
        if chosen is None and not everything:
            return refused_page(request, QueueError("forbidden"))
        zone = ZoneInfo(chosen.timezone if chosen else DEFAULT_ZONE)
        first, last = read_date(since.strip()), read_date(until.strip())
        mine = who.caller.site_ids
        users = [
            u for u in accounts.users(work)
            if mine is None or u.id == who.user.id or (u.site_id is not None and u.site_id in mine)
        ]
        person = next((u for u in users if str(u.id) == user), None)
        where = AuditFilter(
            site_id=chosen.id if chosen else None,
            user_id=person.id if person else None,
            kind=kind if kind in audit.KINDS else None,
            text=text.strip()[:100] or None,
            since=datetime.combine(first, time(), zone) if first else None,
            until=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
        )
        number = max(1, page_number)
        found = audit.entries(work, where, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
        codes = {s.id: s.code for s in work.sites()}
    rows = [
        AuditRow(e, e.at.astimezone(zone), codes.get(e.site_id) if e.site_id else None,
                 _shown(e.before), _shown(e.after))
        for e in found[:PAGE_SIZE]
    ]
    query = {"site": chosen.code if chosen else "", "user": user, "kind": kind, "text": text,
             "since": since, "until": until}
    return page(
        request, who, "admin/audit.html",
        {"rows": rows, "query": query, "kinds": audit.KINDS, "users": users,
         "choices": sites, "everything": everything, "page_number": number,
         "more": len(found) > PAGE_SIZE},
        section="audit",
    )
