"""Signing in and out, CSRF on every form, session expiry and who may open a console."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from antrean.vocabulary import Role, TicketStatus
from server.admin import add_user
from server.app import create_app
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.store.database import Database
from tests.conftest import Clock


@pytest.fixture
def web(demo_sqlite: Database, clock: Clock, tmp_path: Path) -> Iterator[TestClient]:
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path, token_hours=8)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "every form carries a CSRF token"
    return found.group(1)


def sign_in(web: TestClient, username: str = "petugas") -> str:
    form = web.get("/sign-in")
    answer = web.post(
        "/sign-in", follow_redirects=False,
        data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf_of(form.text),
              "next": "/console/demo/1"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/demo/1"
    return csrf_of(web.get("/console/demo/1").text)


def test_pages_need_a_session_and_the_sign_in_form_its_token(web: TestClient) -> None:
    first = web.get("/console/demo/1", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (
        303, "/sign-in?next=/console/demo/1"
    )
    forged = web.post("/sign-in", data={"username": "petugas", "password": DEMO_PASSWORD})
    assert forged.status_code == 403 and "antrean_session" not in web.cookies
    form = web.get("/sign-in")
    wrong = web.post(
        "/sign-in", data={"username": "petugas", "password": "nope", "csrf": csrf_of(form.text)}
    )
    assert wrong.status_code == 401 and "Nama pengguna atau kata sandi salah." in wrong.text
    sign_in(web)
    assert web.get("/console").status_code == 200


def test_an_action_without_the_session_s_token_changes_nothing(
    web: TestClient, demo_sqlite: Database
) -> None:
    token = sign_in(web)
    officer = re.search(r'data-token="([^"]+)"', web.get("/console/demo/1").text)
    assert officer is not None
    web.post("/api/v1/sites/demo/tickets", json={"service": "A"},
             headers={"Authorization": f"Bearer {officer.group(1)}"})
    for sent in ({}, {"csrf": "forged"}):
        refused = web.post("/console/demo/1/act", data={"action": "next", **sent})
        assert refused.status_code == 403
        assert "Formulir kedaluwarsa atau tidak sah" in refused.text
    queue = web.get("/api/v1/sites/demo/queue",
                    headers={"Authorization": f"Bearer {officer.group(1)}"}).json()
    assert [t["status"] for t in queue["waiting"]] == [TicketStatus.WAITING.value]
    done = web.post("/console/demo/1/act", data={"action": "next", "csrf": token},
                    headers={"X-Requested-With": "fetch"})
    assert done.json() == {"ok": True, "message": "A001 dipanggil ke loket 1."}


def test_sessions_end_on_time_and_on_sign_out(web: TestClient, clock: Clock) -> None:
    sign_in(web)
    clock.advance(hours=7, minutes=59)
    assert web.get("/console/demo/1").status_code == 200
    clock.advance(minutes=2)
    ended = web.get("/console/demo/1", follow_redirects=False)
    assert ended.headers["location"] == "/sign-in?next=/console/demo/1&why=expired"
    assert "Sesi Anda sudah berakhir" in web.get(ended.headers["location"]).text

    clock.advance(hours=-8)
    web.cookies.clear()
    token = sign_in(web)
    stolen = dict(web.cookies)
    out = web.post("/sign-out", data={"csrf": token}, follow_redirects=False)
    assert out.headers["location"] == "/sign-in?why=signed_out"
    web.cookies.clear()
    for name, value in stolen.items():  # a copy of the cookie kept from before
        web.cookies.set(name, value)
    again = web.get("/console/demo/1", follow_redirects=False)
    assert again.status_code == 303, "signing out revoked the session's token"


def test_only_people_who_may_work_a_counter_open_its_console(
    web: TestClient, demo_sqlite: Database
) -> None:
    from server.admin import create_site
    from server.demo_office import demo_spec

    with demo_sqlite.writing() as work:
        create_site(work, demo_spec().__class__(**{**demo_spec().__dict__, "code": "utara"}))
        add_user(work, "rina", DEMO_PASSWORD, Role.OFFICER, "utara")
    sign_in(web)
    assert web.get("/console/utara/1").status_code == 403
    picker = web.get("/console").text
    assert "/console/demo/1" in picker and "/console/utara/1" not in picker
    web.cookies.clear()
    form = web.get("/sign-in")
    web.post("/sign-in", data={"username": "rina", "password": DEMO_PASSWORD,
                               "csrf": csrf_of(form.text), "next": "/console"})
    picker = web.get("/console").text
    assert "/console/utara/4" in picker and "/console/demo/1" not in picker
    assert web.get("/console/demo/2").status_code == 403
    assert web.get("/console/utara/9").status_code == 404


def test_english_on_request_indonesian_by_default(web: TestClient) -> None:
    token = sign_in(web)
    assert "Daftar tunggu" in web.get("/console/demo/1").text
    web.post("/language", data={"lang": "en", "csrf": token, "back": "/console/demo/1"})
    page = web.get("/console/demo/1").text
    assert "Waiting list" in page and '<html lang="en">' in page
    assert web.post("/language", data={"lang": "id"}).status_code == 403


def test_after_signing_in_only_a_local_page_is_opened(web: TestClient) -> None:
    form = web.get("/sign-in")
    answer = web.post(
        "/sign-in", follow_redirects=False,
        data={"username": "petugas", "password": DEMO_PASSWORD, "csrf": csrf_of(form.text),
              "next": "//elsewhere.example/phish"},
    )
    assert answer.headers["location"] == "/console"
