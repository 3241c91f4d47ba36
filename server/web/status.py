"""The page a citizen opens by scanning the QR code on their ticket.

Plain server-rendered HTML that refreshes itself: it must work on any phone,
with no script and a slow connection.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from antrean.protocol import TicketStatusView
from antrean.vocabulary import Priority, TicketStatus
from antrean.wording import wait_phrase
from server.api.deps import NowDep, OperationsDep
from server.api.routes.tickets import public_status
from server.engine.errors import QueueError

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 20
PRIORITY_WORDS = {
    Priority.NONE: "",
    Priority.ELDERLY: "lansia",
    Priority.DISABLED: "penyandang disabilitas",
    Priority.PREGNANT: "ibu hamil",
    Priority.CHILD: "membawa anak kecil",
    Priority.OTHER: "lainnya",
}
STATUS_WORDS = {
    TicketStatus.WAITING: "Menunggu dipanggil",
    TicketStatus.CALLED: "Dipanggil — silakan menuju loket",
    TicketStatus.SERVING: "Sedang dilayani",
    TicketStatus.DONE: "Selesai dilayani",
    TicketStatus.NO_SHOW: "Tidak hadir saat dipanggil — silakan lapor ke petugas",
    TicketStatus.CANCELLED: "Dibatalkan",
    TicketStatus.EXPIRED: "Kedaluwarsa",
}

PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{refresh}">
<title>{code} — {site}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}}
main{{max-width:26rem;margin:0 auto;padding:1.5rem}}
.card{{background:#fff;border-radius:1rem;padding:1.5rem;box-shadow:0 1px 4px #0002}}
.code{{font-size:4.5rem;font-weight:800;text-align:center;margin:.25rem 0}}
.status{{font-size:1.3rem;text-align:center;font-weight:600;padding:.6rem;border-radius:.6rem;
background:{tone}}}
dl{{margin:1rem 0}} dt{{color:#5b6875;font-size:.95rem;margin-top:.7rem}}
dd{{margin:0;font-weight:700;font-size:1.25rem}}
.priority{{text-align:center;margin:.4rem 0;color:#8a4b00;font-weight:700}}
small{{color:#5b6875}}
</style></head>
<body><main><div class="card">
<div>{site}</div>
<div class="code">{code}</div>
{priority}<div class="status">{status}</div>
<dl>{facts}</dl>
<small>Diperbarui {updated}. Halaman ini memperbarui diri setiap {refresh} detik.</small>
</div></main></body></html>
"""


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    ticket_id: Annotated[int, Path(ge=1, le=2**62)],
    token: Annotated[str, Query(min_length=8, max_length=64)],
    operations: OperationsDep,
    now: NowDep,
) -> HTMLResponse:
    try:
        view = public_status(operations, ticket_id, token, now)
    except QueueError:
        return HTMLResponse(
            "<!doctype html><html lang='id'><body><h1>Nomor antrean tidak ditemukan</h1>"
            "<p>Periksa kembali kode QR pada tiket Anda.</p></body></html>",
            status_code=404,
        )
    site_time = now.astimezone(ZoneInfo(view.site_timezone))
    return HTMLResponse(render(view, site_time.strftime("%H:%M")))


def render(view: TicketStatusView, updated: str) -> str:
    facts = [("Layanan", view.service_name)]
    if view.people_ahead is not None:
        facts.append(("Antrean di depan Anda", f"{view.people_ahead} orang"))
    # Rounded as the ticket and the display round it.
    wait = wait_phrase(view.estimated_wait_minutes)
    if wait is not None:
        facts.append(("Perkiraan waktu tunggu", wait))
    if view.counter is not None and view.status in (TicketStatus.CALLED, TicketStatus.SERVING):
        facts.append(("Loket", str(view.counter)))
    tone = "#ffe08a" if view.status == TicketStatus.CALLED else "#e3ecf5"
    priority = (
        f'<div class="priority">Jalur prioritas — {PRIORITY_WORDS[view.priority]}</div>'
        if view.priority.is_priority
        else ""
    )
    return PAGE.format(
        priority=priority,
        updated=escape(updated),
        refresh=REFRESH_SECONDS,
        code=escape(view.code),
        site=escape(view.site_name),
        status=escape(STATUS_WORDS[view.status]),
        tone=tone,
        facts="".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts),
    )
