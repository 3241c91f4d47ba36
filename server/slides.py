"""Pictures for the monitor walls: checked when uploaded, kept in order, audited.

Offices use the wall between calls to explain procedures and requirements
(a videotron, as source paper 003 recommends). A picture is a PNG or JPEG of
at most `MAX_BYTES`; its size in pixels is read from its header, so nothing
that is not a picture is kept or served. Walls ask for the list
(`GET /api/v1/sites/{site}/slides`) and fetch each picture by its digest,
which changes when the picture does; docs/admin.md describes the interface.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

from server.audit import Author, record
from server.engine.errors import QueueError
from server.engine.model import Site
from server.store import slides
from server.store.slides import SlideRecord
from server.store.unit_of_work import UnitOfWork

MAX_BYTES = 5 * 1024 * 1024
MAX_SLIDES = 30
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (the ones that carry the picture's size).
JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class NotAPicture(ValueError):
    """The upload is not a PNG or JPEG picture the walls can show."""


class TooManySlides(ValueError):
    """The office has `MAX_SLIDES` already."""


@dataclass(frozen=True)
class PictureFacts:
    media_type: str
    width: int
    height: int


def picture_facts(data: bytes) -> PictureFacts:
    """What kind of picture `data` is and its size in pixels, read from its header."""
    if len(data) > MAX_BYTES:
        raise NotAPicture(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    if data.startswith(PNG_SIGNATURE) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return _sized("image/png", width, height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    raise NotAPicture("not a PNG or JPEG picture")


def _jpeg(data: bytes) -> PictureFacts:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # padding between segments
            at += 1
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in JPEG_FRAMES and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return _sized("image/jpeg", width, height)
        at += 2 + length
    raise NotAPicture("a JPEG without its size: the file is damaged")


def _sized(media_type: str, width: int, height: int) -> PictureFacts:
    if not (0 < width <= 10_000 and 0 < height <= 10_000):
        raise NotAPicture(f"{width}×{height} pixels is not a picture a wall can show")
    return PictureFacts(media_type, width, height)


def version(found: list[SlideRecord]) -> str:
    """Changes whenever a slide is added, removed, replaced or moved."""
    text = ",".join(f"{s.id}:{s.digest}" for s in found)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def add_slide(
    work: UnitOfWork, author: Author, now: datetime, site: Site, name: str, data: bytes
) -> SlideRecord:
    facts = picture_facts(data)
    existing = slides.of_site(work, site.id)
    if len(existing) >= MAX_SLIDES:
        raise TooManySlides(f"an office keeps at most {MAX_SLIDES} slides")
    slide = slides.add(
        work,
        SlideRecord(
            id=0, site_id=site.id, name=name[:200] or "slide", media_type=facts.media_type,
            digest=hashlib.sha256(data).hexdigest(), size=len(data), width=facts.width,
            height=facts.height, position=max((s.position for s in existing), default=0) + 1,
            uploaded_at=now,
        ),
        data,
    )
    record(
        work, author, now, "slide", f"{site.code}: slide {slide.id}", None,
        {"name": slide.name, "size": slide.size, "pixels": f"{slide.width}×{slide.height}"},
        site.id,
    )
    return slide


def _slide(work: UnitOfWork, site: Site, slide_id: int) -> tuple[list[SlideRecord], int]:
    found = slides.of_site(work, site.id)
    at = next((i for i, s in enumerate(found) if s.id == slide_id), None)
    if at is None:
        raise QueueError("not_found", {"slide": slide_id})
    return found, at


def move_slide(
    work: UnitOfWork, author: Author, now: datetime, site: Site, slide_id: int, step: int
) -> None:
    found, at = _slide(work, site, slide_id)
    to = min(max(at + step, 0), len(found) - 1)
    if to == at:
        return
    before = [s.id for s in found]
    found.insert(to, found.pop(at))
    for position, slide in enumerate(found, 1):
        if slide.position != position:
            slides.move(work, slide.id, position)
    record(work, author, now, "slide", f"{site.code}: slide order", before,
           [s.id for s in found], site.id)


def remove_slide(
    work: UnitOfWork, author: Author, now: datetime, site: Site, slide_id: int
) -> None:
    found, at = _slide(work, site, slide_id)
    slides.remove(work, slide_id)
    record(work, author, now, "slide", f"{site.code}: slide {slide_id}", found[at].name, None,
           site.id)
