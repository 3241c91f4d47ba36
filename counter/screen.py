"""What a counter's LCD says, worked out from its state: pure, so tests read it whole.

16x2:                         20x4:
    L1 A012P   03:25              LOKET 1         BUKA
    MENUNGGU: 5                   A012P DIPANGGIL 03:25
                                  MENUNGGU: 5
                                  PANGGILAN KE-2

The first lines say the counter, the ticket at it (P: priority path) and for
how long since it was last called; then how many wait for the counter's
services. The last line carries messages, in words short enough for the
width (`Message.short` on 16 columns). A message replaces the waiting count on
a 16x2 module and stands alone on the fourth line of a 20x4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from antrean.protocol import TicketView
from antrean.vocabulary import CounterState, TicketStatus


@dataclass(frozen=True)
class Message:
    long: str  # up to 20 characters
    short: str  # up to 16

    def for_width(self, cols: int) -> str:
        return self.long if len(self.long) <= cols else self.short


def message(long: str, short: str | None = None) -> Message:
    short = short if short is not None else long[:16]
    return Message(long if len(long) <= 20 else short, short)


NO_QUEUE = message("TIDAK ADA ANTREAN", "ANTREAN KOSONG")
OFFLINE = message("OFFLINE: MENYAMBUNG", "OFFLINE")
CONNECTING = message("MENYAMBUNG...", "MENYAMBUNG...")
PAUSED = message("LOKET DIJEDA", "DIJEDA")
CLOSED = message("LOKET TUTUP", "TUTUP")
JUST_CALLED = message("BARU SAJA DIPANGGIL", "BARU DIPANGGIL")
RECALL_LIMIT = message("TEKAN TIDAK HADIR", "TEKAN TDK HADIR")
NOBODY_CALLED = message("BELUM ADA PANGGILAN", "BELUM MEMANGGIL")
NO_ANSWER = message("SERVER TAK MENJAWAB", "TAK ADA JAWABAN")
THANKS = message("TERIMA KASIH")
TOKEN_REFUSED = message("TOKEN DITOLAK")
NOT_ALLOWED = message("TIDAK DIIZINKAN")
WRONG_STATE = message("STATUS TIDAK SESUAI", "TIDAK SESUAI")

_REFUSALS = {
    "counter_not_open": message("LOKET TIDAK BUKA", "LOKET TDK BUKA"),
    "forbidden": NOT_ALLOWED,
    "invalid_transition": WRONG_STATE,
    "same_service": message("SUDAH DI LAYANAN ITU", "SUDAH DI LAYANAN"),
    "service_inactive": message("LAYANAN NONAKTIF"),
    "service_not_found": message("LAYANAN TAK ADA"),
    "ticket_not_today": message("BUKAN NOMOR HARI INI", "BUKAN HARI INI"),
    "counter_not_found": message("LOKET TIDAK DIKENAL", "LOKET TDK KENAL"),
}


def refusal_message(code: str) -> Message:
    """The server's refusal in a few words; unknown codes are shown as they are."""
    return _REFUSALS.get(code) or message(f"DITOLAK: {code.upper()}", code.upper()[:16])


def recalled(count: int) -> Message:
    return message(f"PANGGILAN KE-{count}")


def finished(code: str) -> Message:
    return message(f"{code} SELESAI")


def no_show(code: str) -> Message:
    return message(f"{code} TIDAK HADIR", f"{code} TDK HADIR")


def transferred(code: str, service: str) -> Message:
    return message(f"{code} KE LAYANAN {service}", f"{code} KE {service}")


def unknown_counter(number: int) -> Message:
    short = f"LOKET {number} TAK ADA"
    return message(f"LOKET {number} TIDAK ADA", short if len(short) <= 16 else f"L{number} TAK ADA")


def not_this_counter(number: int) -> Message:
    return message(f"TOKEN BUKAN LOKET {number}", f"TOKEN BUKAN L{number}")


def pin_twice(pin: str) -> Message:
    return message(f"PIN GANDA {pin}")


STATE_WORDS = {
    CounterState.OPEN: "BUKA", CounterState.PAUSED: "DIJEDA", CounterState.CLOSED: "TUTUP",
}
STATUS_WORDS = {TicketStatus.CALLED: "DIPANGGIL", TicketStatus.SERVING: "DILAYANI"}


@dataclass(frozen=True)
class DeskView:
    """Everything the LCD shows about one counter."""

    number: int
    state: CounterState | None  # None: not known yet (never connected)
    current: TicketView | None
    waiting: int | None
    since_call: timedelta | None
    message: Message | None = None


def elapsed(duration: timedelta | None) -> str:
    """mm:ss, up to 99:59; longer shows as 99+."""
    if duration is None:
        return ""
    seconds = max(0, int(duration.total_seconds()))
    if seconds >= 100 * 60:
        return "99+"
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _spread(left: str, right: str, cols: int) -> str:
    room = cols - len(right)
    return (left[: max(0, room - 1)].ljust(room) + right)[:cols]


def _code(ticket: TicketView | None) -> str:
    if ticket is None:
        return "-"
    return ticket.code + ("P" if ticket.priority.is_priority else "")


def _waiting(view: DeskView) -> str:
    return "" if view.waiting is None else f"MENUNGGU: {view.waiting}"


def lines_for(view: DeskView, cols: int, rows: int) -> list[str]:
    timer = elapsed(view.since_call) if view.current is not None else ""
    said = view.message.for_width(cols) if view.message is not None else ""
    if rows < 4:
        first = _spread(f"L{view.number} {_code(view.current)}", timer, cols)
        return [first, said or _waiting(view)][:rows]
    state = STATE_WORDS.get(view.state, "") if view.state is not None else ""
    status = STATUS_WORDS.get(view.current.status, "") if view.current is not None else ""
    ticket = f"{_code(view.current)} {status}".strip() if view.current is not None else "-"
    return [
        _spread(f"LOKET {view.number}", state, cols),
        _spread(ticket, timer, cols),
        _waiting(view),
        said,
    ]
