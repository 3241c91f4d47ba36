"""Paper profiles: how wide the paper is in dots, and what the printer can do.

A ticket is laid out in character columns of the printer's font A, which is
12 dots wide on practically every ESC/POS thermal printer: 32 columns on
58 mm paper (384 dots), 42 on 80 mm at 512 dots, 48 at 576 dots.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

FONT_A_DOTS = (12, 24)  # width, height of one character of font A
MAX_TEXT_SCALE = 8  # GS ! multiplies width and height by 1..8


@dataclass(frozen=True)
class PaperProfile:
    name: str
    paper_mm: int
    dots: int
    cutter: bool
    native_qr: bool

    @property
    def columns(self) -> int:
        return self.dots // FONT_A_DOTS[0]

    def with_options(self, cutter: bool | None, native_qr: bool | None) -> PaperProfile:
        """The same paper with the printer's own cutter and QR abilities."""
        return replace(
            self,
            cutter=self.cutter if cutter is None else cutter,
            native_qr=self.native_qr if native_qr is None else native_qr,
        )


# Cheap 58 mm printers rarely have a cutter or a QR command; 80 mm ones usually have both.
PROFILES: dict[str, PaperProfile] = {
    p.name: p
    for p in [
        PaperProfile("58mm", paper_mm=58, dots=384, cutter=False, native_qr=False),
        PaperProfile("80mm-512", paper_mm=80, dots=512, cutter=True, native_qr=True),
        PaperProfile("80mm-576", paper_mm=80, dots=576, cutter=True, native_qr=True),
    ]
}


def profile_named(name: str) -> PaperProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown paper profile {name!r} (known: {known})") from None


def escpos_profile(paper: PaperProfile) -> Any:
    """A python-escpos profile that tells the library what this printer can do.

    Built from the library's generic profile, with the width (so images can
    be centred) and the cutter and QR abilities of this printer; the data is
    copied because the library shares it between every printer of a profile.
    """
    from escpos.capabilities import get_profile

    profile = get_profile("default")
    data = copy.deepcopy(profile.profile_data)
    data["media"]["width"] = {"mm": paper.paper_mm, "pixels": paper.dots}
    data["features"].update(
        paperFullCut=paper.cutter, paperPartCut=paper.cutter, qrCode=paper.native_qr
    )
    data["fonts"]["0"]["columns"] = paper.columns
    profile.profile_data = data
    return profile
