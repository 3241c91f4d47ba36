"""What a phone on mobile data downloads for a page: compressed text, kept until
the server is updated."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

import antrean
from server.app import create_app
from server.config import ServerSettings
from server.web.pages import AREAS
from server.web.static_files import CHECKED_EACH_TIME, KEPT_FOR_A_YEAR
from tests.conftest import make_demo_database
from tests.live import serving


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("static")
    db = make_demo_database(f"sqlite:///{folder / 'antrean.db'}")
    with serving(create_app(ServerSettings(database_url=db.url, data_dir=folder))) as base:
        yield base
    db.dispose()


def _linked_files(url: str, page: str) -> list[str]:
    html = httpx.get(f"{url}{page}").text
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_a_page_s_files_come_compressed_and_are_kept(url: str) -> None:
    linked = _linked_files(url, "/sign-in")
    assert linked, "the sign-in page links its style"
    for address in linked:
        assert address.endswith(f"?v={antrean.__version__}")
        area, name = re.match(r"/static/([^/]+)/([^?]+)", address).groups()  # type: ignore[union-attr]
        on_disk = (AREAS[area].static / name).read_bytes()
        answer = httpx.get(f"{url}{address}", headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.content == on_disk  # httpx undid the compression
        assert answer.headers["cache-control"] == KEPT_FOR_A_YEAR
        if len(on_disk) >= 1024:
            assert answer.headers["content-encoding"] == "gzip"
            assert answer.num_bytes_downloaded < len(on_disk) * 0.6
        plain = httpx.get(f"{url}{address}", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == on_disk


def test_the_citizen_script_is_a_third_of_its_size_on_the_wire(url: str) -> None:
    script = AREAS["citizen"].static / "citizen.js"
    address = f"{url}/static/citizen/citizen.js?v={antrean.__version__}"
    answer = httpx.get(address, headers={"Accept-Encoding": "gzip"})
    assert answer.content == script.read_bytes()
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert answer.num_bytes_downloaded < script.stat().st_size * 0.4


@pytest.mark.parametrize(
    "address",
    [
        "/static/citizen/citizen.css",
        "/static/citizen/citizen.css?v=0.0.0-old",
        "/tv/static/wall.js",
    ],
)
def test_a_file_asked_for_without_the_running_version_is_checked_each_time(
    url: str, address: str
) -> None:
    first = httpx.get(f"{url}{address}", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["cache-control"] == CHECKED_EACH_TIME
    again = httpx.get(f"{url}{address}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
