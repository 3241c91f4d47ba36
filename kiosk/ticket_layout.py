"""What goes on the paper, line by line: pure, so both the printer and the PNG use it.

Text is wrapped at word boundaries to the printer's columns at each line's
text size. A word longer than a whole line is the only thing ever broken,
and only after a smaller text size has been tried.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from antrean.protocol import IssuedTicket, QueueSnapshot
from antrean.vocabulary import Priority
from antrean.wording import long_date, wait_phrase
from kiosk import qr, wording
from kiosk.profiles import MAX_TEXT_SCALE, PaperProfile


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class Text:
    """One printed line. `width` and `height` multiply the font's size (1..8)."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    invert: bool = False
    align: Align = Align.CENTER


@dataclass(frozen=True)
class Qr:
    data: str
    module_dots: int


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | Qr | Feed


@dataclass(frozen=True)
class Layout:
    blocks: tuple[Block, ...]
    cut: bool


@dataclass(frozen=True)
class TicketContent:
    office: str
    address: tuple[str, ...]
    service: str
    code: str
    priority: Priority
    issued_at: datetime  # the office's local time
    people_ahead: int
    wait_minutes: float | None
    status_url: str
    requirements: str = ""
    requirements_lines: int = 3
    footer: str = ""


@dataclass(frozen=True)
class ClosedNotice:
    office: str
    service: str
    reason: str  # the server's words for the citizen
    next_open: datetime | None = None


@dataclass
class _Lines:
    paper: PaperProfile
    blocks: list[Block] = field(default_factory=list)

    def text(
        self,
        text: str,
        size: tuple[int, int] = (1, 1),
        *,
        fallback: tuple[int, int] | None = None,
        bold: bool = False,
        invert: bool = False,
        align: Align = Align.CENTER,
        max_lines: int | None = None,
    ) -> None:
        clean = wording.plain(text)
        width, height = size
        if fallback and not _words_fit(clean, self.paper.columns // width):
            width, height = fallback
        lines = wrap(clean, self.paper.columns // width)
        if max_lines is not None and len(lines) > max_lines:
            lines = shorten(lines, max_lines, self.paper.columns // width)
        for line in lines:
            self.blocks.append(Text(line, width, height, bold, invert, align))

    def rule(self) -> None:
        self.blocks.append(Text("-" * self.paper.columns))

    def feed(self, lines: int = 1) -> None:
        self.blocks.append(Feed(lines))

    def header(self, office: str, address: tuple[str, ...] = ()) -> None:
        self.text(office, (1, 2), bold=True)
        for line in address:
            self.text(line)
        self.rule()


def wrap(text: str, columns: int) -> list[str]:
    """Greedy word wrap; only a word longer than a whole line is cut.

    Words joined by a no-break space (`wording.together`) stay on one line
    and come out with a plain space.
    """
    if columns < 1:
        raise ValueError("a line needs at least one column")
    lines: list[str] = []
    current = ""
    for word in _words(text):
        for piece in _pieces(word, columns):
            if not current:
                current = piece
            elif len(current) + 1 + len(piece) <= columns:
                current = f"{current} {piece}"
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return [line.replace(wording.NO_BREAK, " ") for line in lines]


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[^\S\u00a0]+", text) if word]


def _pieces(word: str, columns: int) -> Iterator[str]:
    for start in range(0, len(word), columns):
        yield word[start : start + columns]


def _words_fit(text: str, columns: int) -> bool:
    return all(len(word) <= columns for word in _words(text))


def shorten(lines: list[str], max_lines: int, columns: int) -> list[str]:
    """Keep `max_lines`, ending the last with '...' after a whole word."""
    kept = lines[:max_lines]
    if not kept:
        return kept
    words = kept[-1].split()
    while words and len(" ".join(words)) + 3 > columns:
        words.pop()
    kept[-1] = (" ".join(words) + "...") if words else "..."
    return kept


def number_scale(code: str, paper: PaperProfile) -> int:
    """The largest text size at which the whole number fits on one line."""
    return max(1, min(MAX_TEXT_SCALE, paper.columns // max(1, len(code))))


def layout_ticket(content: TicketContent, paper: PaperProfile) -> Layout:
    out = _Lines(paper)
    out.header(content.office, content.address)
    out.text("NOMOR ANTREAN")
    out.text(content.service, (2, 2), fallback=(1, 2), bold=True)
    scale = number_scale(content.code, paper)
    out.text(content.code, (scale, scale), bold=True)
    for mark in wording.priority_mark(content.priority):
        out.text(mark, (2, 2), fallback=(1, 2), bold=True, invert=True)
    out.rule()
    out.text(long_date(content.issued_at))
    out.text(f"Jam {wording.clock_time(content.issued_at)}")
    ahead = wording.together(f"{content.people_ahead} orang")
    out.text(f"Di depan Anda: {ahead}", bold=True)
    # Rounded as the status page and the display round it (antrean.wording).
    wait = wait_phrase(content.wait_minutes)
    if wait:
        out.text(f"Perkiraan tunggu: {wording.together(wait)}", bold=True)
    out.feed()
    out.blocks.append(Qr(content.status_url, qr.module_dots(content.status_url, paper.dots)))
    out.text("Pindai kode QR untuk melihat status antrean Anda")
    if content.requirements.strip():
        out.rule()
        out.text("Persyaratan:", bold=True, align=Align.LEFT)
        out.text(content.requirements, align=Align.LEFT, max_lines=content.requirements_lines)
    if content.footer.strip():
        out.rule()
        out.text(content.footer)
    return Layout(tuple(out.blocks), cut=paper.cutter)


def layout_closed(notice: ClosedNotice, paper: PaperProfile) -> Layout:
    """The short slip a citizen gets when the service is not taking numbers."""
    out = _Lines(paper)
    out.header(notice.office)
    out.text("MAAF", (2, 2), bold=True)
    out.text(f"Layanan {notice.service}", bold=True)
    out.text(notice.reason)
    if notice.next_open is not None:
        out.feed()
        out.text("Buka kembali:")
        out.text(wording.together(long_date(notice.next_open)), bold=True)
        out.text(f"Jam {wording.clock_time(notice.next_open)}", bold=True)
    out.rule()
    out.text("Silakan datang kembali pada jam layanan. Terima kasih.")
    return Layout(tuple(out.blocks), cut=paper.cutter)


def ticket_content(
    issued: IssuedTicket,
    snapshot: QueueSnapshot | None,
    *,
    public_url: str,
    requirements_lines: int,
    footer: str,
) -> TicketContent:
    """The ticket's content from the server's answer and the office it belongs to.

    `public_url` is the address a phone reaches the server at; the office's
    own public address in the snapshot wins over it.
    """
    site = snapshot.site if snapshot else None
    base = (site.public_url if site and site.public_url else public_url).rstrip("/")
    service = next(
        (s for s in snapshot.services if s.code == issued.ticket.service), None
    ) if snapshot else None
    requirements = service.requirements if service and requirements_lines > 0 else ""
    return TicketContent(
        office=site.name if site else "",
        address=tuple(site.address_lines) if site else (),
        service=issued.service_name,
        code=issued.ticket.code,
        priority=issued.ticket.priority,
        issued_at=issued.local_time,
        people_ahead=issued.people_ahead,
        wait_minutes=issued.estimated_wait_minutes,
        status_url=base + issued.status_path,
        requirements=requirements,
        requirements_lines=requirements_lines,
        footer=footer,
    )
