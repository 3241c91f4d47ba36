"""The server's front page: what anyone who opens the server's address sees.

A citizen who types the address finds each office's queue right now (who
waits, about how long) and how to follow their own ticket; an officer or a
supervisor finds the way in; an installer finds the TV wall and the API.
Nothing here needs signing in, and nothing personal is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from antrean.wording import rounded_wait
from server.api.deps import NowDep, OperationsDep
from server.engine.views import snapshot
from server.web.i18n import language, translate
from server.web.pages import area, render

area("home", Path(__file__).parent)
router = APIRouter(include_in_schema=False)


@router.get("/")
def front_page(request: Request, operations: OperationsDep, now: NowDep) -> Response:
    lang = language(request)
    offices: list[dict[str, Any]] = []
    with operations.db.reading() as work:
        for site in work.sites():
            state = snapshot(work, site, now)
            offices.append(
                {
                    "name": state.site.name,
                    "address": state.site.address_lines,
                    "time": state.site.local_time,
                    "services": [
                        {
                            "code": s.code,
                            "name": s.name,
                            "waiting": s.waiting,
                            "accepting": s.accepting,
                            "wait": _wait(lang, s.estimated_wait_minutes)
                            if s.accepting
                            else None,
                        }
                        for s in state.services
                        if s.active
                    ],
                }
            )
    return render(request, "home.html", {"offices": offices})


def _wait(lang: str, minutes: float | None) -> str | None:
    rounded = rounded_wait(minutes)  # as the ticket and the display round it
    if rounded is None:
        return None
    if rounded == 0:
        return translate(lang, "home_wait_soon")
    return translate(lang, "home_wait_minutes", n=rounded)
