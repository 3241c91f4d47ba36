"""Officers, supervisors and admins sign in for a bearer token."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import ValidationError

from server.api.deps import OperationsDep
from server.api.schemas import Credentials, TokenAnswer
from server.auth import sign_in
from server.engine.errors import QueueError

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenAnswer)
async def issue_token(request: Request, operations: OperationsDep) -> TokenAnswer:
    """JSON `{username, password}` or an OAuth2 password form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            raw = await request.json()
        except ValueError as error:
            raise QueueError("invalid_request", {"problem": "body is not JSON"}) from error
    else:
        raw = dict(await request.form())
    try:
        credentials = Credentials.model_validate(
            {k: raw.get(k) for k in ("username", "password")} if isinstance(raw, dict) else raw
        )
    except ValidationError as error:
        raise QueueError("invalid_request", {"problem": "username and password needed"}) from error
    settings_hours = request.app.state.settings.token_hours
    now = operations.clock()
    with operations.db.writing() as work:
        token, row, user = sign_in(
            work,
            credentials.username,
            credentials.password,
            now,
            timedelta(hours=settings_hours),
        )
        site = work.site_by_id(user.site_id) if user.site_id else None
        return TokenAnswer(
            access_token=token,
            expires_at=row.expires_at,
            role=user.role,
            site=site.code if site else None,
        )
