"""The page a citizen opens by scanning the QR code on their ticket.

Plain server-rendered HTML that refreshes itself: it must work on any phone,
with no script and a slow connection. A link that is wrong in any way (cut
short by a phone's scanner, mistyped, an unknown ticket, a wrong token) gets a
small page in Indonesian that says what to do, never an error in JSON.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from antrean.protocol import TicketStatusView
from antrean.vocabulary import Priority, TicketStatus
from antrean.wording import wait_phrase
from server.api.deps import NowDep, OperationsDep
from server.api.routes.tickets import public_status
from server.engine.errors import QueueError

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 20
LARGEST_TICKET_ID = 2**62
TOKEN_LENGTHS = range(8, 65)
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


UNKNOWN_LINK_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tautan tidak dikenali</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:26rem;margin:0 auto;padding:1.5rem}
.card{background:#fff;border-radius:1rem;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.5rem;margin:0 0 .8rem}
ol{padding-left:1.3rem} li{margin:.5rem 0;font-size:1.1rem}
.calm{background:#e3ecf5;border-radius:.6rem;padding:.7rem;font-weight:600}
</style></head>
<body><main><div class="card">
<h1>Tautan status antrean tidak dikenali</h1>
<p class="calm">Nomor antrean Anda tidak hilang. Tetap perhatikan layar dan panggilan di ruang
tunggu.</p>
<ol>
<li>Pindai ulang kode QR pada tiket Anda dengan kamera ponsel.</li>
<li>Pastikan seluruh tautan terbuka, jangan diketik ulang.</li>
<li>Jika halaman ini muncul lagi, tunjukkan tiket Anda kepada petugas.</li>
</ol>
</div></main></body></html>
"""


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    ticket_id: str, operations: OperationsDep, now: NowDep, token: str | None = None
) -> HTMLResponse:
    # Checked here rather than by FastAPI, whose refusal would be JSON.
    number = int(ticket_id) if ticket_id.isascii() and ticket_id.isdecimal() else 0
    if not 1 <= number <= LARGEST_TICKET_ID or token is None or len(token) not in TOKEN_LENGTHS:
        return unknown_link()
    try:
        view = public_status(operations, number, token, now)
    except QueueError:
        return unknown_link()
    site_time = now.astimezone(ZoneInfo(view.site_timezone))
    return HTMLResponse(render(view, site_time.strftime("%H:%M")))


@router.get("/t", response_class=HTMLResponse)
@router.get("/t/{anything:path}", response_class=HTMLResponse)
def unknown_link() -> HTMLResponse:
    """Any other address under /t/: a link that lost a part on its way."""
    return HTMLResponse(UNKNOWN_LINK_PAGE, status_code=404)


def render(view: TicketStatusView, updated: str) -> str:
    facts = [("Layanan", view.service_name)]
    if view.people_ahead is not None:
        facts.append(("Antrean di depan Anda", f"{view.people_ahead} orang"))
    # Rounded as the ticket and the display round it.
    wait = wait_phrase(view.estimated_wait_minutes)
    if wait is not None:
        facts.append(("Perkiraan waktu tunggu", wait))
    if view.counter is not None and view.status.at_counter:
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
