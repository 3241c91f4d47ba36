"""Reusable dependencies: the operations, the clock and the authenticated caller."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.auth import caller_for_token
from server.engine.errors import QueueError
from server.operations import Operations
from server.permissions import Caller

bearer = HTTPBearer(auto_error=False, description="A user's or a device's token")


# No I/O in these two: `async def`, because FastAPI runs a plain `def` dependency in its
# thread pool, a thread hop per request for nothing.
async def get_operations(request: Request) -> Operations:
    operations: Operations = request.app.state.operations
    return operations


OperationsDep = Annotated[Operations, Depends(get_operations)]


async def get_now(operations: OperationsDep) -> datetime:
    return operations.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def get_caller(
    operations: OperationsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise QueueError("not_authenticated")
    with operations.db.reading() as work:
        return caller_for_token(work, credentials.credentials, operations.clock())


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The bearer token as sent, for a command: who it belongs to is read inside the
    command's own transaction (`Operations.execute`), on its connection and thread."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise QueueError("not_authenticated")
    return credentials.credentials


TokenDep = Annotated[str, Depends(get_token)]
