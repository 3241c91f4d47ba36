"""Static files the way a phone on a slow network wants them: small, and kept.

A citizen opens the ticket page from the QR code over mobile data, often
on a weak signal in the waiting room; every kilobyte and every request
counts. The pages ask for `/static/<area>/<file>?v=<version>`
(`pages.static_url`): a file asked for with the running version cannot
change until the server is updated, which changes the address, so the
browser keeps it for a year without asking again. A file asked for without
it (the TV wall's, the API docs') is checked each time, costing a small
"not modified" answer when unchanged. Text (CSS, JavaScript, SVG) goes
gzip-compressed to browsers that accept it, about a third of its size.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

import antrean

KEPT_FOR_A_YEAR = "public, max-age=31536000, immutable"
CHECKED_EACH_TIME = "no-cache"
# Below this a compressed answer saves less than its own headers cost.
COMPRESS_FROM_BYTES = 512


class ShippedFiles(StaticFiles):
    """A folder of files that changes only when the server is updated."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versions = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
        fixed = versions == [antrean.__version__]
        response.headers["cache-control"] = KEPT_FOR_A_YEAR if fixed else CHECKED_EACH_TIME
        return response


def shipped_files(directory: Path) -> ASGIApp:
    """The folder's files, cached as above and compressed for those who accept it."""
    return GZipMiddleware(ShippedFiles(directory=directory), minimum_size=COMPRESS_FROM_BYTES)
