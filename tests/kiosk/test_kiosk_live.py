"""The kiosk program end to end: mock pins in, a real server, ESC/POS bytes out."""

from __future__ import annotations

import asyncio
import os
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import zxingcpp

from antrean.health import PrinterState
from antrean.lamps import Pattern
from antrean.vocabulary import Priority, TicketStatus
from kiosk.presses import Outcome
from server.engine.commands import find_site
from tests.kiosk.conftest import (
    BUTTON_B,
    PRIORITY,
    PRIORITY_LAMP,
    PROBLEM,
    READY,
    Office,
    demo_office,
    running_kiosk,
    server_app,
)
from tests.kiosk.escpos_reader import read
from tests.live import free_port, serving


def status_page(url: str) -> httpx.Response:
    return httpx.get(url, timeout=10)


def test_a_press_prints_a_ticket_the_server_knows(office: Office) -> None:
    async def scenario() -> tuple[str, bytes]:
        async with running_kiosk(office.url, office.token) as rig:
            assert rig.lit(READY) and not rig.lit(PROBLEM)
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.PRINTED, result
            assert result.ticket is not None
            return result.ticket.ticket.code, rig.printer.tickets[-1]

    code, data = asyncio.run(scenario())
    out = read(data)
    assert code in out.text and "KTP & Kartu" in out.text and "Keluarga" in out.text
    assert "Kantor Kecamatan Demo" in out.text
    assert all(len(line.text) * line.width <= 32 for line in out.lines)  # 58 mm
    assert out.cuts == 0  # the 58 mm profile has no cutter
    [image] = out.images  # no native QR on the 58 mm profile: an image
    [url] = [found.text for found in zxingcpp.read_barcodes(image)]
    assert url.startswith(office.url + "/t/")
    page = status_page(url)
    assert page.status_code == 200 and code in page.text
    [ticket] = office.tickets()
    assert ticket.code == code and ticket.status is TicketStatus.WAITING
    assert ticket.device_id == office.device_id


def test_80mm_ticket_uses_native_qr_and_cuts(office: Office) -> None:
    async def scenario() -> bytes:
        async with running_kiosk(office.url, office.token, paper="80mm-576") as rig:
            rig.press(BUTTON_B)
            assert (await rig.result()).outcome is Outcome.PRINTED
            return rig.printer.tickets[-1]

    out = read(asyncio.run(scenario()))
    assert "B001" in out.text and "Akta Kelahiran &" in out.text and "Kematian" in out.text
    assert out.cuts == 1
    assert out.images == []
    [url] = out.native_qr
    page = status_page(url)
    assert page.status_code == 200 and "B001" in page.text


def test_priority_button_then_service_button(office: Office) -> None:
    async def scenario() -> bytes:
        async with running_kiosk(office.url, office.token) as rig:
            rig.press(PRIORITY)
            await rig.until(lambda: rig.kiosk.lights.scene.priority is Pattern.FAST)
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.PRINTED
            assert rig.kiosk.lights.scene.priority is Pattern.OFF  # used up
            assert not rig.lit(PRIORITY_LAMP)
            rig.press(BUTTON_B)  # the next citizen is not a priority one
            assert (await rig.result()).outcome is Outcome.PRINTED
            return rig.printer.tickets[0]

    out = read(asyncio.run(scenario()))
    assert [line.text for line in out.lines if line.invert] == ["PRIORITAS"]
    first, second = office.tickets()
    assert first.priority is Priority.OTHER
    assert second.priority is Priority.NONE


def test_hammering_and_holding_give_one_ticket(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token, cooldown_seconds=3.0) as rig:
            for _ in range(30):  # a bouncing contact, then an impatient hand
                rig.press()
            rig.pins.pin(BUTTON_B).drive_low()  # another button, held down while busy
            result = await rig.result()
            assert result.outcome is Outcome.PRINTED
            rig.pins.pin(BUTTON_B).drive_high()
            for _ in range(10):  # more presses right after the ticket: still cooling down
                rig.press()
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.5)
            assert rig.results.empty()
            assert len(rig.printer.tickets) == 1
            assert rig.kiosk.counts["ignored_presses"] >= 39

    asyncio.run(scenario())
    assert len(office.tickets()) == 1


def test_paper_out_refuses_then_recovers_by_itself(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token) as rig:
            rig.printer.paper = PrinterState.PAPER_OUT
            await rig.until(lambda: rig.lit(PROBLEM) and not rig.lit(READY))
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.PRINTER_NOT_READY
            assert result.detail == "paper out"
            assert rig.printer.tickets == []
            await rig.until(lambda: office.device_health().get("printer") == "paper_out")

            rig.printer.paper = PrinterState.OK  # a new roll
            await rig.until(lambda: rig.lit(READY) and not rig.lit(PROBLEM))
            await rig.press_when_cool()
            assert (await rig.result()).outcome is Outcome.PRINTED
            await rig.until(lambda: office.device_health().get("printer") == "ok")

    asyncio.run(scenario())
    assert [t.code for t in office.tickets()] == ["A001"]  # nothing issued while refused


def test_paper_near_end_warns_but_prints(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token) as rig:
            rig.printer.paper = PrinterState.PAPER_NEAR_END
            await rig.until(lambda: rig.kiosk.lights.scene.problem is Pattern.FLASH)
            assert rig.lit(READY)
            rig.press()
            assert (await rig.result()).outcome is Outcome.PRINTED
            await rig.until(
                lambda: office.device_health().get("printer") == "paper_near_end"
            )

    asyncio.run(scenario())


def test_print_failure_is_retried_once_then_cancelled_on_the_server(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token) as rig:
            rig.printer.fail_writes = 2  # the first try and the retry
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.PRINT_FAILED
            assert result.ticket is not None
            assert any(scene.problem is Pattern.ON for scene in rig.scenes)
            ticket = office.ticket(result.ticket.ticket.id)
            assert ticket.status is TicketStatus.CANCELLED
            assert ticket.cancel_reason is not None and "paper jam" in ticket.cancel_reason

            rig.printer.fail_writes = 1  # one failure: the retry prints it
            await rig.until(lambda: rig.lit(READY))
            rig.press(BUTTON_B)
            second = await rig.result()
            assert second.outcome is Outcome.PRINTED
            assert second.ticket is not None
            assert office.ticket(second.ticket.ticket.id).status is TicketStatus.WAITING
            assert len(rig.printer.tickets) == 1

    asyncio.run(scenario())


def test_printer_switched_off_stays_a_problem_until_it_is_back(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token) as rig:
            rig.printer.switched_on = False
            await rig.until(lambda: rig.lit(PROBLEM))
            rig.press()
            assert (await rig.result()).outcome is Outcome.PRINTER_NOT_READY
            assert rig.kiosk.reading.state is PrinterState.OFFLINE  # silence is not "fine"
            rig.printer.switched_on = True
            await rig.until(lambda: rig.lit(READY) and not rig.lit(PROBLEM))

    asyncio.run(scenario())
    assert office.tickets() == []


def test_server_unreachable_then_back(tmp_path: Path) -> None:
    db, token, _ = demo_office(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    async def scenario(later: ExitStack) -> None:
        async with running_kiosk(url, token, online=False) as rig:
            await rig.until(lambda: rig.kiosk.lights.scene.problem is Pattern.BLINK)
            assert not rig.lit(READY)
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.SERVER_UNREACHABLE
            assert rig.printer.tickets == []
            # The server comes (back); it is stopped only after the kiosk, outside the loop.
            await asyncio.to_thread(later.enter_context, serving(server_app(db, tmp_path), port))
            await rig.kiosk.client.wait_online(30)
            await rig.until(lambda: rig.lit(READY) and not rig.lit(PROBLEM))
            # The server may be back within the button's cool-down after the refused press.
            await rig.press_when_cool()
            assert (await rig.result()).outcome is Outcome.PRINTED

    with ExitStack() as later:
        asyncio.run(scenario(later))
    db.dispose()


def test_an_unanswered_issue_is_cancelled_once_the_answer_comes(office: Office) -> None:
    async def scenario() -> None:
        # Far too short for any answer: the command goes out, its answer is lost.
        async with running_kiosk(office.url, office.token, command_timeout=0.0001) as rig:
            rig.press()
            result = await rig.result()
            assert result.outcome is Outcome.SERVER_UNREACHABLE
            assert rig.printer.tickets == []

            def cancelled() -> bool:
                tickets = office.tickets()
                return bool(tickets) and tickets[0].status is TicketStatus.CANCELLED

            await rig.until(cancelled)

    asyncio.run(scenario())
    [ticket] = office.tickets()
    assert ticket.cancel_reason == "Tiket tidak tercetak: koneksi terputus"


def test_closed_office_prints_a_slip_at_most_once_a_minute(office: Office) -> None:
    with office.db.writing() as work:
        site = find_site(work, "demo")
        today = datetime.now(UTC).astimezone(site.zone).date()
        site.schedule = site.schedule.model_copy(update={"closed_dates": [today]})
        work.save(site)

    async def scenario() -> list[bytes]:
        async with running_kiosk(office.url, office.token) as rig:
            rig.press()
            first = await rig.result()
            assert first.outcome is Outcome.CLOSED and first.detail == "closed_date"
            assert rig.kiosk.lights.scene.ready is Pattern.BLINK
            rig.press(BUTTON_B)
            assert (await rig.result()).outcome is Outcome.CLOSED
            return rig.printer.tickets

    slips = asyncio.run(scenario())
    assert len(slips) == 1  # the second press within the minute gets the lamp only
    out = read(slips[0])
    assert "MAAF" in out.text
    assert "Layanan KTP & Kartu Keluarga" in out.text
    assert "Kantor tutup hari ini." in out.text
    assert "Buka kembali:" in out.text
    assert office.tickets() == []


def test_the_kiosk_reports_its_card_with_its_health(office: Office) -> None:
    async def scenario() -> None:
        async with running_kiosk(office.url, office.token) as rig:
            await rig.until(lambda: "root_read_only" in office.device_health().get("extra", {}))

    asyncio.run(scenario())
    extra = office.device_health()["extra"]
    stats = os.statvfs("/")
    assert extra["root_read_only"] is bool(stats.f_flag & os.ST_RDONLY)
    assert abs(extra["disk_free_mb"] - stats.f_bavail * stats.f_frsize // 2**20) < 64
