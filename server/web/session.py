"""People's sessions on the web pages: a signed cookie, CSRF tokens, sign-in and out.

The cookie holds the user's sign-in token (the same `atu_` token the REST API
and the sockets take), a CSRF token and the session's end, signed with the
server's secret so it cannot be made or changed by hand. The token is checked
against the database on every request, so signing out (which revokes it) or
deactivating the user ends the session everywhere at once, and a session
ends when its token does (`ANTREAN_TOKEN_HOURS`).

Every form carries a CSRF token: the session's own once signed in, before
that one kept in a cookie of its own (the sign-in form). A form whose token
does not match is refused and changes nothing.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.auth import caller_for_token, sign_in
from server.config import ServerSettings
from server.engine.errors import QueueError
from server.permissions import Caller
from server.security import token_digest
from server.store import accounts
from server.store.accounts import UserRecord

SESSION_COOKIE = "antrean_session"
CSRF_COOKIE = "antrean_csrf"
SECRET_FILE = "web-secret"


class SignInRequired(Exception):
    """No session, or it has ended: the person is sent to sign in."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class CsrfRefused(Exception):
    """A form came without the right CSRF token: nothing was done."""


@dataclass(frozen=True)
class WebSession:
    user_id: int
    token: str
    csrf: str
    expires_at: float  # POSIX seconds
    flash: str = ""

    def data(self) -> dict[str, Any]:
        return {"u": self.user_id, "t": self.token, "c": self.csrf, "e": self.expires_at,
                "f": self.flash}


@dataclass(frozen=True)
class SignedIn:
    """A person with a live session, as the pages see them."""

    session: WebSession
    user: UserRecord
    caller: Caller


def server_secret(settings: ServerSettings) -> str:
    """`ANTREAN_WEB_SECRET`, else a random one kept in the data directory (made once),
    so sessions outlive a restart. Several server processes behind one address
    must share it: set ANTREAN_WEB_SECRET alike on each."""
    given = os.environ.get("ANTREAN_WEB_SECRET")
    if given:
        return given
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


class Sessions:
    """Reads and writes the session cookie; one per application.

    The secret is fetched when a page first needs it, so a server that only
    answers the API and the sockets never makes one.
    """

    def __init__(self, secret: Callable[[], str], lifetime: timedelta) -> None:
        self.lifetime = lifetime
        self._secret = secret
        self._made: URLSafeTimedSerializer | None = None

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        if self._made is None:
            self._made = URLSafeTimedSerializer(self._secret(), salt="antrean web session")
        return self._made

    def read(self, request: Request, now: datetime) -> WebSession | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=int(self.lifetime.total_seconds()) + 60)
            session = WebSession(
                int(data["u"]), str(data["t"]), str(data["c"]), float(data["e"]),
                str(data.get("f", "")),
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        return session if session.expires_at > now.timestamp() else None

    def write(self, response: Response, request: Request, session: WebSession) -> None:
        response.set_cookie(
            SESSION_COOKIE, self._serializer.dumps(session.data()),
            max_age=int(self.lifetime.total_seconds()), httponly=True, samesite="lax",
            secure=request.url.scheme == "https", path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")


def sessions_of(request: Request) -> Sessions:
    found: Sessions = request.app.state.web_sessions
    return found


def signed_in(request: Request) -> SignedIn:
    """The person behind this request; SignInRequired when there is none any more."""
    operations = request.app.state.operations
    now = operations.clock()
    session = sessions_of(request).read(request, now)
    if session is None:
        raise SignInRequired("expired" if request.cookies.get(SESSION_COOKIE) else "")
    with operations.db.reading() as work:
        try:
            caller = caller_for_token(work, session.token, now)
        except QueueError:
            raise SignInRequired("expired") from None
        user = accounts.user_by_id(work, session.user_id)
    if user is None or caller.user_id != user.id:
        raise SignInRequired("expired")
    return SignedIn(session, user, caller)


def start_session(
    request: Request, response: Response, username: str, password: str
) -> WebSession:
    """Check the password, make a sign-in token and put it in the session cookie.
    Raises QueueError("invalid_credentials")."""
    operations = request.app.state.operations
    sessions = sessions_of(request)
    now = operations.clock()
    with operations.db.writing() as work:
        token, row, user = sign_in(work, username, password, now, sessions.lifetime)
    session = WebSession(user.id, token, secrets.token_urlsafe(24), row.expires_at.timestamp())
    sessions.write(response, request, session)
    return session


def end_session(request: Request, response: Response, session: WebSession) -> None:
    """Revoke the session's token (no copy of the cookie works after this) and clear it."""
    operations = request.app.state.operations
    with operations.db.writing() as work:
        accounts.revoke_token(work, token_digest(session.token))
    sessions_of(request).clear(response)


def with_flash(request: Request, response: Response, session: WebSession, text: str) -> None:
    """A one-line message for the next page this person sees (without JavaScript)."""
    sessions_of(request).write(response, request, replace(session, flash=text))


# CSRF.


def csrf_token(request: Request, session: WebSession | None) -> str:
    """The token every form on this page must send back."""
    if session is not None:
        return session.csrf
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return str(token)


def keep_csrf_cookie(request: Request, response: Response) -> None:
    """Store a token made for a signed-out page, for its form to be checked against."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="strict",
            secure=request.url.scheme == "https", path="/",
        )


def check_csrf(request: Request, session: WebSession | None, sent: object) -> None:
    expected = session.csrf if session is not None else request.cookies.get(CSRF_COOKIE)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()
