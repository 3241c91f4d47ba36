"""The ticket as ESC/POS bytes and as a PNG, read back independently."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from kiosk.profiles import PROFILES, PaperProfile, escpos_profile, profile_named
from kiosk.ticket_image import render
from kiosk.ticket_layout import layout_ticket
from kiosk.ticket_print import layout_bytes
from tests.kiosk.escpos_reader import read
from tests.kiosk.tickets import STATUS_URL, demo_content

PAPERS = list(PROFILES.values())


def printed(paper: PaperProfile) -> bytes:
    return layout_bytes(layout_ticket(demo_content(), paper), paper)


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_bytes_hold_number_service_and_lines_within_the_width(paper: PaperProfile) -> None:
    out = read(printed(paper))
    assert "B017" in out.text
    assert "Akta Kelahiran" in out.text and "Kematian" in out.text
    number = next(line for line in out.lines if line.text == "B017")
    assert number.width == number.height == 8
    for line in out.lines:
        assert len(line.text) * line.width <= paper.columns, line


def test_58mm_lines_never_exceed_32_columns() -> None:
    out = read(printed(PROFILES["58mm"]))
    assert max(len(line.text) * line.width for line in out.lines) <= 32


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_native_qr_command_carries_the_status_url(paper: PaperProfile) -> None:
    native = paper.with_options(cutter=None, native_qr=True)
    out = read(printed(native))
    assert out.native_qr == [STATUS_URL]
    assert out.images == []
    assert 3 <= out.qr_module_dots[0] <= 8


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_image_qr_decodes_to_the_status_url(paper: PaperProfile) -> None:
    image_qr = paper.with_options(cutter=None, native_qr=False)
    out = read(printed(image_qr))
    assert out.native_qr == []
    [image] = out.images
    assert image.width <= paper.dots
    assert decode(image) == [STATUS_URL]


def test_cut_only_where_a_cutter_exists() -> None:
    assert read(printed(PROFILES["80mm-576"])).cuts == 1
    assert read(printed(PROFILES["80mm-512"])).cuts == 1
    without = read(printed(PROFILES["58mm"]))
    assert without.cuts == 0
    assert without.text.endswith("\n\n\n")  # fed past the tear bar instead
    with_cutter = PROFILES["58mm"].with_options(cutter=True, native_qr=None)
    assert read(printed(with_cutter)).cuts == 1


def test_native_qr_makes_a_much_smaller_ticket() -> None:
    paper = PROFILES["58mm"]
    native = len(printed(paper.with_options(None, True)))
    image = len(printed(paper.with_options(None, False)))
    assert native * 5 < image


@pytest.mark.parametrize("paper", PAPERS, ids=lambda p: p.name)
def test_png_is_the_paper_width_and_its_qr_decodes(paper: PaperProfile) -> None:
    picture = render(layout_ticket(demo_content(), paper), paper)
    assert picture.width == paper.dots
    assert picture.height > 600
    assert decode(picture) == [STATUS_URL]


def test_escpos_profile_describes_the_paper_without_touching_the_library_profile() -> None:
    profile = escpos_profile(PROFILES["58mm"])
    assert profile.profile_data["media"]["width"]["pixels"] == 384
    assert not profile.supports("paperFullCut")
    assert not profile.supports("qrCode")
    again = escpos_profile(PROFILES["80mm-576"])
    assert again.supports("paperFullCut") and again.supports("qrCode")
    assert profile.profile_data["media"]["width"]["pixels"] == 384


def test_unknown_paper_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="58mm, 80mm-512, 80mm-576"):
        profile_named("110mm")
