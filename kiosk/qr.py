"""The QR code of a ticket's status page: its modules and how big to print them.

Medium error correction survives a smudged or creased thermal print. The
same module size serves the printer's own QR command and the image, so both
kinds of printer give the same code at the same size.
"""

from __future__ import annotations

from functools import lru_cache

import qrcode
from PIL import Image

QUIET_ZONE = 2  # modules of white around an image code (the paper margin adds more)
MIN_MODULE_DOTS = 3  # smaller modules blur on 203 dpi thermal paper
MAX_MODULE_DOTS = 8
MAX_CODE_DOTS = 300  # about 37 mm at 203 dpi: big enough for any phone camera


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(
        version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE
    )
    code.add_data(data)
    return code


@lru_cache(maxsize=8)
def modules(data: str) -> int:
    """Modules along one side of the code, without the quiet zone."""
    return 17 + 4 * int(_code(data).best_fit())


@lru_cache(maxsize=8)
def _matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    # Choosing the best mask takes most of the time: done once per ticket, then reused.
    code = _code(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def module_dots(data: str, paper_dots: int) -> int:
    """Dots per module so the code takes at most 60% of the paper and at most 300 dots."""
    target = min(paper_dots * 0.6, MAX_CODE_DOTS)
    size = int(target // (modules(data) + 2 * QUIET_ZONE))
    return max(MIN_MODULE_DOTS, min(MAX_MODULE_DOTS, size))


def qr_image(data: str, dots_per_module: int) -> Image.Image:
    """A black-and-white image of the code, quiet zone included."""
    matrix = _matrix(data)
    side = len(matrix)
    image = Image.new("1", (side, side), 1)
    pixels = image.load()
    assert pixels is not None
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                pixels[x, y] = 0
    size = side * dots_per_module
    return image.resize((size, size), Image.Resampling.NEAREST)
