"""Reading the wall back from its pixels with Tesseract (Debian's tesseract-ocr).

An independent check of what the screen shows: the picture is cut where the
layout says the called number and the counter are, turned into black text on
white whatever the colours (the hero flashes), and read by Tesseract.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from display.layout import Box

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def tesseract() -> str:
    found = shutil.which("tesseract")
    if found is None:
        raise RuntimeError("tesseract is missing: scripts/test.sh installs Debian's tesseract-ocr")
    return found


def read_box(picture: Path, box: Box) -> str:
    """The capitals and digits Tesseract reads in `box` of the picture, spaces removed."""
    gray = Image.open(picture).convert("L").crop((box.x, box.y, box.right, box.bottom))
    border = [gray.getpixel((x, y)) for x in range(gray.width) for y in (0, gray.height - 1)]
    background = sorted(int(v) for v in border)[len(border) // 2]  # type: ignore[arg-type]
    # Tesseract reads best at capitals some 45 px high; the wall's numbers are hundreds.
    scale = min(1.0, 45 / max(1.0, gray.height * 0.75))
    size = (max(1, int(gray.width * scale)), max(1, int(gray.height * scale)))
    gray = gray.resize(size, Image.Resampling.LANCZOS)
    ink = gray.point(lambda v: 0 if abs(v - background) > 60 else 255)
    ink = ImageOps.expand(ink, 30, fill=255)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crop.png"
        ink.save(path)
        done = subprocess.run(
            [tesseract(), str(path), "-", "--psm", "7", "-c",
             f"tessedit_char_whitelist={ALPHABET}"],
            capture_output=True, text=True, timeout=60, check=True,
        )
    return re.sub(r"\s+", "", done.stdout)


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "D": "0", "I": "1", "L": "1", "S": "5", "Z": "2"})


def as_code(read: str, letters: int) -> str:
    """What was read, with the digit part's look-alike letters taken as the digits
    they must be (DejaVu's zero and capital O differ by width only)."""
    return read[:letters] + read[letters:].translate(_DIGIT_LOOKALIKES)
