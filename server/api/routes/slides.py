"""The walls' pictures, for the devices that show them (a Pi's display, a TV)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel

from antrean.protocol import SiteCode
from server.api.deps import CallerDep, OperationsDep
from server.engine.commands import find_site
from server.engine.errors import QueueError
from server.permissions import Action, authorize
from server.slides import version
from server.store import slides

router = APIRouter(tags=["slides"])

class SlideView(BaseModel):
    id: int
    name: str
    media_type: str
    width: int
    height: int
    digest: str
    """SHA-256 of the picture: a new digest is a new picture."""
    url: str
    """Where to fetch it (with the same token); the address changes with the picture."""
    uploaded_at: datetime


class SlideList(BaseModel):
    version: str
    """Changes whenever a picture is added, removed, replaced or moved."""
    slides: list[SlideView]


@router.get("/sites/{site}/slides", response_model=SlideList)
def list_slides(site: SiteCode, caller: CallerDep, operations: OperationsDep) -> SlideList:
    """The office's pictures in the order walls show them (any device of the office)."""
    with operations.db.reading() as work:
        found_site = find_site(work, site)
        authorize(caller, Action.VIEW, found_site.id)
        found = slides.of_site(work, found_site.id)
    return SlideList(
        version=version(found),
        slides=[
            SlideView(
                id=s.id, name=s.name, media_type=s.media_type, width=s.width, height=s.height,
                digest=s.digest, url=f"/api/v1/sites/{site}/slides/{s.id}/{s.digest}",
                uploaded_at=s.uploaded_at,
            )
            for s in found
        ],
    )


@router.get("/sites/{site}/slides/{slide_id}/{digest}")
def slide_picture(
    site: SiteCode,
    slide_id: int,
    digest: str,
    caller: CallerDep,
    operations: OperationsDep,
    if_none_match: str | None = Header(default=None),
) -> Response:
    """One picture's bytes; kept by the device for as long as it likes (its address
    names its digest)."""
    with operations.db.reading() as work:
        found_site = find_site(work, site)
        authorize(caller, Action.VIEW, found_site.id)
        record = next((s for s in slides.of_site(work, found_site.id) if s.id == slide_id), None)
        if record is None or record.digest != digest:
            raise QueueError("not_found", {"slide": slide_id})
        headers = {"Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{digest}"'}
        if if_none_match == f'"{digest}"':
            return Response(status_code=304, headers=headers)
        data = slides.data(work, slide_id)
    return Response(data, media_type=record.media_type, headers=headers)
