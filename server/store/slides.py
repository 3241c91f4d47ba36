"""Pictures for the monitor walls, per office, in the order they are shown.

The pictures themselves are kept in the database, not in a folder, so every
server process of a city serves the same ones and a backup holds them too;
lists read everything but the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from server.store import statements
from server.store.rows import Shape
from server.store.statements import SLIDES
from server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SlideRecord:
    id: int
    site_id: int
    name: str
    media_type: str
    digest: str
    size: int
    width: int
    height: int
    position: int
    uploaded_at: datetime


@dataclass(frozen=True)
class _Stored(SlideRecord):
    data: bytes


SLIDE = Shape(_Stored, SLIDES)
_FACTS = SLIDE.fields[:-1]


def of_site(work: UnitOfWork, site_id: int) -> list[SlideRecord]:
    """The office's slides in the order the walls show them."""
    rows = work.connection.rows(statements.slides_of_site, {"site_id": site_id})
    return [SlideRecord(**dict(zip(_FACTS, row, strict=True))) for row in rows]


def data(work: UnitOfWork, slide_id: int) -> bytes | None:
    row = work.connection.row(statements.slide_data, {"id": slide_id})
    return None if row is None else bytes(row[0])


def add(work: UnitOfWork, slide: SlideRecord, content: bytes) -> SlideRecord:
    stored = _Stored(**{name: getattr(slide, name) for name in _FACTS}, data=content)
    return replace(slide, id=work.insert(SLIDES, SLIDE.columns(stored, SLIDE.fields[1:])))


def move(work: UnitOfWork, slide_id: int, position: int) -> None:
    work.update(SLIDES, slide_id, {"position": position})


def remove(work: UnitOfWork, slide_id: int) -> None:
    work.require_writable()
    work.connection.run(statements.delete_slide, {"id": slide_id})
