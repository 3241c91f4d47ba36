"""A sample ticket of the demo office, for the pictures in docs/ and the benchmark.

    .venv/bin/python -m kiosk.specimen docs/images   # the tickets and the "closed" slip
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from antrean.vocabulary import Priority
from kiosk.profiles import PROFILES
from kiosk.ticket_image import save_png
from kiosk.ticket_layout import ClosedNotice, TicketContent, layout_closed, layout_ticket

SPECIMEN_URL = "http://192.168.1.10:8000/t/1234?token=Zq8VbN3kT0xw-A1cD2eF3gH4"


def specimen(priority: Priority = Priority.ELDERLY) -> TicketContent:
    """Service B of the demo office: the longest name and requirements, so the tightest fit."""
    return TicketContent(
        office="Kantor Kecamatan Demo",
        address=("Jl. Contoh No. 1, Kecamatan Demo", "Telp. (0548) 000000"),
        service="Akta Kelahiran & Kematian",
        code="B017",
        priority=priority,
        issued_at=datetime(2026, 11, 24, 10, 5, tzinfo=ZoneInfo("Asia/Makassar")),
        people_ahead=6,
        wait_minutes=43.6,
        status_url=SPECIMEN_URL,
        requirements="Surat keterangan lahir/kematian, KK, KTP orang tua atau pelapor, 2 saksi.",
        footer="Terima kasih. Mohon menunggu nomor Anda dipanggil.",
    )


def closed_specimen() -> ClosedNotice:
    """The slip for a press after the day's cut-off."""
    return ClosedNotice(
        office="Kantor Kecamatan Demo",
        service="KTP & Kartu Keluarga",
        reason="Pengambilan nomor antrean sudah ditutup untuk sesi ini.",
        next_open=datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Makassar")),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0] if args else ".")
    small, large = PROFILES["58mm"], PROFILES["80mm-576"]
    for name, paper, layout in [
        ("ticket-58mm.png", small, layout_ticket(specimen(Priority.ELDERLY), small)),
        ("ticket-80mm.png", large, layout_ticket(specimen(Priority.NONE), large)),
        ("closed-slip-58mm.png", small, layout_closed(closed_specimen(), small)),
    ]:
        print(save_png(layout, paper, folder / name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
