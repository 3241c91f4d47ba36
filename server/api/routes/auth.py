"""Officers, supervisors and admins sign in for a bearer token.

Failed sign-ins are throttled per user name and per client address
(`server.auth.SignInThrottle`): past the limit the answer is 429 with
`Retry-After`, before any password is checked.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from server.api.deps import OperationsDep
from server.api.schemas import Credentials, TokenAnswer
from server.auth import SignInThrottle, sign_in
from server.config import ServerSettings
from server.engine.errors import QueueError, error_body
from server.operations import Operations

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenAnswer,
    responses={429: {"description": "too many failed sign-ins; see Retry-After"}},
)
async def issue_token(request: Request, operations: OperationsDep) -> TokenAnswer | JSONResponse:
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
    settings: ServerSettings = request.app.state.settings
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    now = operations.clock()
    wait = throttle.wait(credentials.username, address, now)
    if wait > 0:
        body = error_body("too_many_attempts", {"retry_after": wait})
        return JSONResponse(body, status_code=429, headers={"Retry-After": str(wait)})
    lifetime = timedelta(hours=settings.token_hours)
    try:
        # scrypt takes tens of milliseconds: off the event loop, where the sockets live.
        answer = await run_in_threadpool(_sign_in, operations, credentials, lifetime)
    except QueueError:
        throttle.failed(credentials.username, address, now)
        raise
    throttle.succeeded(credentials.username)
    return answer


def _sign_in(operations: Operations, credentials: Credentials, lifetime: timedelta) -> TokenAnswer:
    with operations.db.writing() as work:
        token, row, user = sign_in(
            work, credentials.username, credentials.password, operations.clock(), lifetime
        )
        site = work.site_by_id(user.site_id) if user.site_id else None
        return TokenAnswer(
            access_token=token,
            expires_at=row.expires_at,
            role=user.role,
            site=site.code if site else None,
        )
