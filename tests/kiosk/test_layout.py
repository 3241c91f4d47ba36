"""The ticket's lines: they fit the paper, words stay whole, the number is as big as it goes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antrean.protocol import IssuedTicket, QueueSnapshot, ServiceState, SiteInfo, TicketView
from antrean.vocabulary import Priority, TicketStatus
from kiosk import wording
from kiosk.profiles import PROFILES, PaperProfile
from kiosk.ticket_layout import (
    Align,
    ClosedNotice,
    Qr,
    Text,
    layout_closed,
    layout_ticket,
    number_scale,
    shorten,
    ticket_content,
    wrap,
)
from tests.kiosk.tickets import STATUS_URL, demo_content

PAPERS = list(PROFILES.values())
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789.,&/()-", min_size=1, max_size=14)


def texts(layout_blocks: tuple[object, ...]) -> list[Text]:
    return [b for b in layout_blocks if isinstance(b, Text)]


@given(st.lists(words, min_size=1, max_size=40), st.integers(min_value=15, max_value=48))
def test_wrap_keeps_every_word_whole_and_in_order(parts: list[str], columns: int) -> None:
    lines = wrap(" ".join(parts), columns)
    assert all(len(line) <= columns for line in lines)
    assert " ".join(lines).split() == parts  # no word cut, lost or moved


@given(st.lists(words, min_size=2, max_size=30), st.integers(min_value=15, max_value=48))
def test_wrap_fills_lines_greedily(parts: list[str], columns: int) -> None:
    lines = wrap(" ".join(parts), columns)
    for line, following in itertools.pairwise(lines):
        assert len(line) + 1 + len(following.split()[0]) > columns


def test_only_a_word_longer_than_the_line_is_cut() -> None:
    assert wrap("ab " + "x" * 20, 8) == ["ab", "xxxxxxxx", "xxxxxxxx", "xxxx"]


def test_words_kept_together_stay_on_one_line() -> None:
    text = "Perkiraan tunggu: " + wording.together("sekitar 1 jam 15 menit")
    assert wrap(text, 32) == ["Perkiraan tunggu:", "sekitar 1 jam 15 menit"]
    layout = layout_ticket(demo_content(wait_minutes=76.2), PROFILES["58mm"])
    assert "sekitar 1 jam 15 menit" in [b.text for b in texts(layout.blocks)]
    assert not any("\u00a0" in b.text for b in texts(layout.blocks))


def test_shorten_ends_after_a_whole_word_with_dots() -> None:
    lines = wrap("satu dua tiga empat lima enam tujuh delapan sembilan sepuluh", 16)
    short = shorten(lines, 2, 16)
    assert short == ["satu dua tiga", "empat lima..."]
    assert all(len(line) <= 16 for line in short)


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_every_line_fits_the_paper_at_its_size(paper: PaperProfile) -> None:
    layout = layout_ticket(demo_content(), paper)
    for line in texts(layout.blocks):
        assert len(line.text) * line.width <= paper.columns, line
        assert 1 <= line.width <= 8 and 1 <= line.height <= 8


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_no_word_of_the_content_is_split(paper: PaperProfile) -> None:
    content = demo_content()
    printed = " ".join(line.text for line in texts(layout_ticket(content, paper).blocks)).split()
    for source in (content.office, content.service, *content.address, content.footer):
        for word in wording.plain(source).split():
            assert word in printed, (word, paper.name)


def test_the_number_takes_the_largest_size_that_fits() -> None:
    assert number_scale("A001", PROFILES["58mm"]) == 8  # 4 characters × 8 × 12 dots = 384
    assert number_scale("ABC123", PROFILES["58mm"]) == 5
    layout = layout_ticket(demo_content(code="B017"), PROFILES["80mm-576"])
    number = next(b for b in texts(layout.blocks) if b.text == "B017")
    assert (number.width, number.height) == (8, 8)
    assert number.bold


def test_priority_mark_is_printed_inverted_and_absent_without_priority() -> None:
    paper = PROFILES["58mm"]
    marked = texts(layout_ticket(demo_content(), paper).blocks)
    inverted = [b.text for b in marked if b.invert]
    assert inverted == ["PRIORITAS", "LANSIA"]
    plain = texts(layout_ticket(demo_content(priority=Priority.NONE), paper).blocks)
    assert not any(b.invert for b in plain)
    assert "PRIORITAS" not in " ".join(b.text for b in plain)


def test_ticket_has_date_time_people_ahead_wait_qr_requirements_and_footer() -> None:
    layout = layout_ticket(demo_content(), PROFILES["80mm-576"])
    text = "\n".join(b.text for b in texts(layout.blocks))
    assert "Selasa, 24 November 2026" in text
    assert "Jam 10.05 WITA" in text
    assert "Di depan Anda: 6 orang" in text
    assert "Perkiraan tunggu: sekitar 45 menit" in text  # 43.6, in 5-minute steps
    assert "Persyaratan:" in text and "2 saksi." in text
    assert "Terima kasih." in text
    [qr] = [b for b in layout.blocks if isinstance(b, Qr)]
    assert qr.data == STATUS_URL
    assert layout.cut is True
    assert layout_ticket(demo_content(), PROFILES["58mm"]).cut is False


def test_requirements_are_kept_short_and_can_be_left_out() -> None:
    long = "Fotokopi KK, " * 30
    paper = PROFILES["58mm"]
    left = [b for b in texts(layout_ticket(demo_content(requirements=long), paper).blocks)
            if b.align is Align.LEFT]
    assert len(left) == 1 + 3  # the heading and three lines
    assert left[-1].text.endswith("...")
    none = layout_ticket(demo_content(requirements=""), paper)
    assert "Persyaratan:" not in [b.text for b in texts(none.blocks)]


def test_unknown_wait_is_left_out() -> None:
    layout = layout_ticket(demo_content(wait_minutes=None), PROFILES["58mm"])
    assert not any("Perkiraan" in b.text for b in texts(layout.blocks))


def test_closed_slip_gives_the_reason_and_next_opening() -> None:
    notice = ClosedNotice(
        office="Kantor Kecamatan Demo",
        service="KTP & Kartu Keluarga",
        reason="Layanan hari ini sudah selesai.",
        next_open=datetime(2026, 11, 25, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")),
    )
    layout = layout_closed(notice, PROFILES["58mm"])
    text = "\n".join(b.text for b in texts(layout.blocks))
    assert "MAAF" in text
    assert "Layanan hari ini sudah selesai." in text
    assert "Rabu, 25 November 2026" in text and "Jam 08.00 WIB" in text
    assert not any(isinstance(b, Qr) for b in layout.blocks)


def test_plain_makes_printable_ascii() -> None:
    assert wording.plain("Layanan malam: Selasa – Kamis 19.30—21.30 … ±5 “ok”") == (
        'Layanan malam: Selasa - Kamis 19.30-21.30 ... +/-5 "ok"'
    )
    assert wording.plain("Kecamatan Ciledug Jaya Pâsar") == "Kecamatan Ciledug Jaya Pasar"
    assert wording.plain("日本") == "??"


def _issued() -> IssuedTicket:
    issued_at = datetime(2026, 11, 24, 2, 5, tzinfo=UTC)
    return IssuedTicket(
        ticket=TicketView(
            id=7, code="A007", service="A", priority=Priority.NONE,
            status=TicketStatus.WAITING, issued_at=issued_at,
        ),
        token="t0ken-t0ken",
        status_path="/t/7?token=t0ken-t0ken",
        service_name="KTP & Kartu Keluarga",
        people_ahead=2,
        estimated_wait_minutes=9.0,
        local_time=issued_at.astimezone(ZoneInfo("Asia/Makassar")),
    )


def _snapshot(public_url: str | None) -> QueueSnapshot:
    now = datetime(2026, 11, 24, 10, 5, tzinfo=ZoneInfo("Asia/Makassar"))
    return QueueSnapshot(
        seq=1,
        site=SiteInfo(
            code="demo", name="Kantor Kecamatan Demo", address_lines=["Jl. Contoh No. 1"],
            timezone="Asia/Makassar", local_day=now.date(), local_time=now,
            public_url=public_url,
        ),
        services=[ServiceState(
            code="A", name="KTP & Kartu Keluarga", requirements="Fotokopi KK.", active=True,
            accepting=True, waiting=2, issued_today=7,
        )],
        counters=[], waiting=[], recent_calls=[],
    )


def test_content_takes_the_office_and_requirements_from_the_snapshot() -> None:
    content = ticket_content(
        _issued(), _snapshot("https://antrean.example.go.id/"),
        public_url="http://10.0.0.2:8000", requirements_lines=3, footer="Terima kasih.",
    )
    assert content.status_url == "https://antrean.example.go.id/t/7?token=t0ken-t0ken"
    assert (content.office, content.address) == ("Kantor Kecamatan Demo", ("Jl. Contoh No. 1",))
    assert content.requirements == "Fotokopi KK."
    assert content.issued_at.utcoffset() == timedelta(hours=8)
    assert (content.code, content.people_ahead, content.wait_minutes) == ("A007", 2, 9.0)


def test_content_falls_back_to_the_kiosks_address_and_can_leave_requirements_out() -> None:
    content = ticket_content(
        _issued(), _snapshot(None),
        public_url="http://10.0.0.2:8000/", requirements_lines=0, footer="",
    )
    assert content.status_url == "http://10.0.0.2:8000/t/7?token=t0ken-t0ken"
    assert content.requirements == ""
