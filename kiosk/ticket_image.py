"""A layout as a picture of the paper: for the simulated printer and the docs.

Drawn the way a thermal printer draws: each character in a 12 × 24 dot
cell of a monospaced font, enlarged by whole multiples for bigger text, on a
strip exactly as many dots wide as the paper.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk import qr
from kiosk.profiles import FONT_A_DOTS, PaperProfile
from kiosk.ticket_layout import Align, Feed, Layout, Qr, Text

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
MARGIN = 16  # dots of blank paper drawn above and below the print
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(bold: bool) -> Font:
    name = "DejaVuSansMono-Bold.ttf" if bold else "DejaVuSansMono.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size=20)
    return ImageFont.load_default(size=18)


def _text_strip(block: Text, paper: PaperProfile) -> Image.Image:
    cell_w, cell_h = FONT_A_DOTS
    # One bit per dot, as the printer has: enlarged glyphs then show the same steps.
    line = Image.new("1", (max(1, len(block.text)) * cell_w, cell_h), 1)
    draw = ImageDraw.Draw(line)
    font = _font(block.bold)
    for i, char in enumerate(block.text):
        draw.text((i * cell_w + cell_w / 2, cell_h / 2), char, font=font, fill=0, anchor="mm")
    line = line.convert("L").resize(
        (line.width * block.width, cell_h * block.height), Image.Resampling.NEAREST
    )
    strip = Image.new("L", (paper.dots, line.height), 255)
    x = (paper.dots - line.width) // 2 if block.align is Align.CENTER else 0
    if block.invert:
        # The printer inverts the whole line's characters, not the margins beside them.
        line = line.point(lambda v: 255 - v)
    strip.paste(line, (max(0, x), 0))
    return strip


def _qr_strip(block: Qr, paper: PaperProfile) -> Image.Image:
    code = qr.qr_image(block.data, block.module_dots).convert("L")
    strip = Image.new("L", (paper.dots, code.height), 255)
    strip.paste(code, ((paper.dots - code.width) // 2, 0))
    return strip


def render(layout: Layout, paper: PaperProfile) -> Image.Image:
    strips: list[Image.Image] = []
    for block in layout.blocks:
        if isinstance(block, Text):
            strips.append(_text_strip(block, paper))
        elif isinstance(block, Qr):
            strips.append(_qr_strip(block, paper))
        elif isinstance(block, Feed):
            strips.append(Image.new("L", (paper.dots, FONT_A_DOTS[1] * block.lines), 255))
    height = sum(s.height for s in strips) + 2 * MARGIN
    page = Image.new("L", (paper.dots, height), 255)
    y = MARGIN
    for strip in strips:
        page.paste(strip, (0, y))
        y += strip.height
    if layout.cut:
        draw = ImageDraw.Draw(page)
        for x in range(0, paper.dots, 12):
            draw.line((x, height - 2, x + 6, height - 2), fill=160)
    return page


def save_png(layout: Layout, paper: PaperProfile, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    render(layout, paper).save(path, format="PNG", optimize=True)
    return path
