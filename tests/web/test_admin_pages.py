"""The admin pages over HTTP: who may open them, forms that explain their mistakes,
changes made by the office file's own functions and audited, devices, users, slides."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from antrean.vocabulary import DeviceKind, Role
from server.admin import add_device, add_user
from server.app import create_app
from server.audit import Author
from server.config import ServerSettings
from server.demo_office import DEMO_PASSWORD
from server.engine.commands import find_site
from server.office.apply import apply_office, stored_office
from server.office.file import parse_office_file, render
from server.store import accounts, audit
from server.store.audit import AuditFilter
from server.store.database import Database
from tests.conftest import Clock
from tests.server.test_office_file import SMALL


@pytest.fixture
def web(demo_sqlite: Database, clock: Clock, tmp_path: Path) -> Iterator[TestClient]:
    settings = ServerSettings(database_url=demo_sqlite.url, data_dir=tmp_path)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "every form carries a CSRF token"
    return found.group(1)


def sign_in(web: TestClient, username: str = "admin", page: str = "/admin") -> str:
    form = web.get("/sign-in")
    answer = web.post(
        "/sign-in", follow_redirects=False,
        data={"username": username, "password": DEMO_PASSWORD, "csrf": csrf_of(form.text),
              "next": page},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(web.get(page).text)


def form_values(html: str, form_id: str) -> dict[str, str]:
    """The values a browser would send for the form (text inputs, textareas, checked boxes)."""
    start = html.index(f'id="{form_id}"')
    body = html[html.rindex("<form", 0, start): html.index("</form>", start)]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox":
            if " checked" in tag:
                values[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body,
                                 re.S):
        values[name] = unescape(text)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def entries(db: Database, **where: object) -> list[audit.AuditEntry]:
    with db.reading() as work:
        return audit.entries(work, AuditFilter(**where), limit=500)  # type: ignore[arg-type]


def test_only_admins_open_the_pages(web: TestClient) -> None:
    first = web.get("/admin/sites/demo/services", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/sign-in")
    sign_in(web, "petugas", "/console")
    for path in ("/admin", "/admin/sites/demo/services", "/admin/users", "/admin/audit"):
        refused = web.get(path)
        assert refused.status_code == 403, path
        assert "Anda tidak berhak membuka halaman ini." in refused.text


def test_a_service_added_on_the_page_is_the_office_file_s_too(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    page = web.get("/admin/sites/demo/services/new").text
    values = form_values(page, "service-form")
    values.update(code="h", name="Legalisasi", requirements="Dokumen asli.", daily_quota="40",
                  minutes="4,5", wait_target_minutes="20", notify_ahead="3", csrf=csrf)
    answer = web.post("/admin/sites/demo/services/new", data=values, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "Tersimpan: 1 perubahan." in web.get("/admin/sites/demo/services").text
    with demo_sqlite.reading() as work:
        office = stored_office(work, find_site(work, "demo"))
    added = office.services[-1]
    assert (added.code, added.name, added.daily_quota) == ("H", "Legalisasi", 40)
    assert added.minutes == 4.5, "written the Indonesian way, 4,5"
    assert (added.wait_target_minutes, added.notify_ahead, added.active) == (20, 3, True)
    [entry] = entries(demo_sqlite, kind="service")
    assert (entry.subject, entry.actor, entry.source) == ("demo: service H", "admin", "web")
    assert entry.after["requirements"] == "Dokumen asli." and entry.before is None


def test_mistakes_are_said_beside_their_fields_in_either_language(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    values = form_values(web.get("/admin/sites/demo/services/new").text, "service-form")
    values.update(code="A", name="", daily_quota="banyak", minutes="0", own_hours="on",
                  hours_tue="8 sampai 12", closed_dates="2026-13-40", csrf=csrf)
    answer = web.post("/admin/sites/demo/services/new", data=values)
    assert answer.status_code == 400
    page = answer.text
    assert "Huruf A sudah dipakai layanan &#34;KTP &amp; Kartu Keluarga&#34;." in page
    assert re.search(r'id="e-name">Wajib diisi\.<', page)
    assert re.search(r'id="e-daily_quota">Tulis bilangan bulat', page)
    assert re.search(r'id="e-minutes">Harus lebih dari 0 dan paling besar 480\.<', page)
    assert "&#34;8 sampai 12&#34; bukan rentang jam" in page
    assert "&#34;2026-13-40&#34; bukan tanggal" in page
    assert 'value="banyak"' in page, "what was typed stays in the form"
    assert "Isi jam sendirinya" not in page, "a wrong range is not also a missing one"

    web.post("/language", data={"lang": "en", "csrf": csrf, "back": "/admin"})
    english = web.post("/admin/sites/demo/services/new", data=values).text
    assert "The letter A is used by &#34;KTP &amp; Kartu Keluarga&#34; already." in english
    assert "Write a whole number" in english
    assert entries(demo_sqlite) == [], "nothing was changed or audited"


def test_the_office_page_changes_hours_and_a_stale_form_is_refused(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    page = web.get("/admin/sites/demo").text
    values = {**form_values(page, "office-form"), "csrf": csrf}
    mine = {**values, "hours_fri": "07.30-11.00, 13:30-16:00", "breaks_mon": "12:00-13:00",
            "closed_dates": "25-12-2026\n2027-01-01"}
    assert web.post("/admin/sites/demo", data=mine, follow_redirects=False).status_code == 303
    subjects = sorted(e.subject for e in entries(demo_sqlite, kind="office"))
    assert subjects == ["demo: office breaks.mon", "demo: office closed_dates",
                        "demo: office hours.fri"]
    with demo_sqlite.reading() as work:
        site = find_site(work, "demo")
        assert [str(r.start) for r in site.schedule.sessions["fri"]] == ["07:30:00", "13:30:00"]
        assert [d.isoformat() for d in site.schedule.closed_dates] == ["2026-12-25", "2027-01-01"]

    # The first form, sent again after that change, would undo it: refused.
    stale = web.post("/admin/sites/demo", data={**values, "name": "Kantor Lama"})
    assert stale.status_code == 400
    assert "Data ini diubah orang lain sejak formulir dibuka" in stale.text
    with demo_sqlite.reading() as work:
        assert find_site(work, "demo").name == "Kantor Kecamatan Demo"


def test_a_counter_s_services_are_edited_and_a_counter_retired(
    web: TestClient, demo_sqlite: Database, clock: Clock
) -> None:
    csrf = sign_in(web)
    values = form_values(web.get("/admin/sites/demo/counters/2").text, "counter-form")
    for code in "ABCDE":
        values.pop(f"serve_{code}", None)
    values.update(serve_E="on", order_E="1", serve_B="on", order_B="2", csrf=csrf)
    assert web.post("/admin/sites/demo/counters/2", data=values,
                    follow_redirects=False).status_code == 303
    with demo_sqlite.reading() as work:
        office = stored_office(work, find_site(work, "demo"))
    assert next(c for c in office.counters if c.number == 2).services == ["E", "B"]
    [entry] = entries(demo_sqlite, kind="counter")
    assert entry.subject == "demo: counter 2 services" and entry.after == ["E", "B"]

    fresh = form_values(web.get("/admin/sites/demo/counters/2").text, "counter-form")
    nothing = {**fresh, "serve_E": "", "serve_B": "", "csrf": csrf}
    answer = web.post("/admin/sites/demo/counters/2", data=nothing)
    assert answer.status_code == 400 and "Pilih paling sedikit satu layanan." in answer.text

    web.post("/admin/sites/demo/counters/4/retire", data={"csrf": csrf})
    listing = web.get("/admin/sites/demo/counters").text
    assert 'data-number="4"' not in listing and 'data-number="3"' in listing
    assert entries(demo_sqlite, kind="counter")[0].subject == "demo: counter 4"


def test_an_admin_of_one_office_administers_that_office_only(
    web: TestClient, demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.writing() as work:
        apply_office(work, parse_office_file(SMALL), Author("setup", "file"), clock())
        add_user(work, "lurah-admin", DEMO_PASSWORD, Role.ADMIN, "kel-a")
        add_user(work, "staf-a", DEMO_PASSWORD, Role.OFFICER, "kel-a")
    csrf = sign_in(web, "lurah-admin", "/admin/sites/kel-a")
    assert web.get("/admin", follow_redirects=False).headers["location"] == "/admin/sites/kel-a"
    assert web.get("/admin/sites/demo/services").status_code == 403
    assert web.get("/admin/new").status_code == 403
    users = web.get("/admin/users").text
    assert 'data-user="staf-a"' in users and 'data-user="petugas"' not in users
    assert 'data-user="admin"' not in users

    with demo_sqlite.reading() as work:
        demo_id = find_site(work, "demo").id
        kel_id = find_site(work, "kel-a").id
    new_user = {"username": "budi", "full_name": "Budi", "password": "rahasia-budi",
                "role": "supervisor", "active": "on", "csrf": csrf}
    for site in ("", str(demo_id)):
        refused = web.post("/admin/users/new", data={**new_user, "site": site})
        assert refused.status_code == 400, site
    assert web.post("/admin/users/new", data={**new_user, "site": str(kel_id)},
                    follow_redirects=False).status_code == 303
    with demo_sqlite.reading() as work:
        budi = accounts.user_by_name(work, "budi")
        assert budi is not None and budi.site_id == kel_id and budi.role is Role.SUPERVISOR


def test_a_supervisor_of_several_offices_acts_at_each(
    web: TestClient, demo_sqlite: Database, clock: Clock
) -> None:
    with demo_sqlite.writing() as work:
        apply_office(work, parse_office_file(SMALL), Author("setup", "file"), clock())
        kel_id = find_site(work, "kel-a").id
        demo_id = find_site(work, "demo").id
    csrf = sign_in(web)
    answer = web.post("/admin/users/new", follow_redirects=False, data={
        "username": "camat.sup", "full_name": "Pengawas Kecamatan", "password": "awasi-semua",
        "role": "supervisor", "site": str(demo_id), f"also_{kel_id}": "on", "active": "on",
        "csrf": csrf,
    })
    assert answer.status_code == 303
    listing = web.get("/admin/users").text
    assert re.search(r'data-user="camat.sup".*?demo <span class="muted">\+ kel-a', listing, re.S)
    token = web.post("/api/v1/auth/token",
                     json={"username": "camat.sup", "password": "awasi-semua"}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    for site in ("demo", "kel-a"):
        assert web.get(f"/api/v1/sites/{site}/queue", headers=bearer).status_code == 200
    [created] = entries(demo_sqlite, kind="user")
    assert created.after["other_sites"] == ["kel-a"] and "password" not in str(created.after)


def test_a_device_is_added_its_token_shown_once_and_revoked(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    form = {"kind": "counter", "name": "Keypad loket 3", "counter": "3", "csrf": csrf,
            "request_id": "add-keypad-form-1"}
    made = web.post("/admin/sites/demo/devices", data=form)
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = re.search(r'<code id="token">([^<]+)</code>', made.text)
    assert token is not None
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert web.get("/api/v1/sites/demo/queue", headers=bearer).status_code == 200
    assert token.group(1) not in web.get("/admin/sites/demo/devices").text
    again = web.post("/admin/sites/demo/devices", data=form)  # the page reloaded
    assert "sudah ditambahkan dengan formulir ini" in again.text
    assert token.group(1) not in again.text

    keypad_without_counter = web.post("/admin/sites/demo/devices", data={
        "kind": "counter", "name": "x", "csrf": csrf,
    })
    assert keypad_without_counter.status_code == 400
    assert "Pilih paling sedikit satu loket untuk keypad ini." in keypad_without_counter.text

    with demo_sqlite.reading() as work:
        [device] = [d for d in accounts.devices(work) if d.name == "Keypad loket 3"]  # one
    web.post(f"/admin/sites/demo/devices/{device.id}/revoke", data={"csrf": csrf})
    assert web.get("/api/v1/sites/demo/queue", headers=bearer).status_code == 401
    assert [e.subject for e in entries(demo_sqlite, kind="device")] == [
        f"demo: device {device.id} revoked", f"demo: device {device.id}",
    ]

    paired = web.post("/admin/sites/demo/devices/pair", data={"tv_name": "TV lobi",
                                                              "csrf": csrf})
    code = re.search(r'<code id="pairing-code" class="big-code">([A-Z0-9-]+)</code>', paired.text)
    assert code is not None and len(code.group(1)) == 9
    tv = web.post("/tv/pair", data={"code": code.group(1)}, follow_redirects=False)
    assert tv.status_code == 303 and "antrean_tv" in tv.headers["set-cookie"]


def _picture(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (12, 110, 79)).save(out, kind)
    return out.getvalue()


def test_slides_are_uploaded_checked_ordered_and_served_to_the_walls(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    png, jpeg = _picture("PNG", (1920, 1080)), _picture("JPEG", (800, 600))
    for name, data in (("alur.png", png), ("syarat.jpg", jpeg)):
        answer = web.post("/admin/sites/demo/slides", data={"csrf": csrf},
                          files={"picture": (name, data)})
        assert answer.status_code == 200 and f"Gambar {name} ditambahkan." in answer.text
    refused = web.post("/admin/sites/demo/slides", data={"csrf": csrf},
                       files={"picture": ("surat.pdf", b"%PDF-1.4 not a picture")})
    assert "Gambar tidak diterima (not a PNG or JPEG picture)" in refused.text

    with demo_sqlite.writing() as work:
        _, token = add_device(work, "demo", DeviceKind.DISPLAY, datetime.now(UTC))
    wall = {"Authorization": f"Bearer {token}"}
    listing = web.get("/api/v1/sites/demo/slides", headers=wall).json()
    assert [(s["name"], s["width"], s["height"], s["media_type"]) for s in listing["slides"]] == [
        ("alur.png", 1920, 1080, "image/png"), ("syarat.jpg", 800, 600, "image/jpeg"),
    ]
    first = listing["slides"][0]
    picture = web.get(first["url"], headers=wall)
    assert picture.content == png and picture.headers["content-type"] == "image/png"
    again = web.get(first["url"], headers={**wall, "If-None-Match": picture.headers["etag"]})
    assert again.status_code == 304
    assert web.get(first["url"]).status_code == 401, "walls show them, strangers do not"

    second = listing["slides"][1]["id"]
    web.post(f"/admin/sites/demo/slides/{second}/move", data={"direction": "up", "csrf": csrf})
    reordered = web.get("/api/v1/sites/demo/slides", headers=wall).json()
    assert [s["name"] for s in reordered["slides"]] == ["syarat.jpg", "alur.png"]
    assert reordered["version"] != listing["version"]
    web.post(f"/admin/sites/demo/slides/{second}/remove", data={"csrf": csrf})
    assert [s["name"] for s in web.get("/api/v1/sites/demo/slides",
                                       headers=wall).json()["slides"]] == ["alur.png"]
    assert len(entries(demo_sqlite, kind="slide")) == 4


def test_the_office_file_page_previews_then_applies(
    web: TestClient, demo_sqlite: Database
) -> None:
    csrf = sign_in(web)
    text = web.get("/admin/sites/demo/office.toml").text
    with demo_sqlite.reading() as work:
        assert text == render(stored_office(work, find_site(work, "demo")))
    edited = text.replace('name = "Informasi & Pengaduan"', 'name = "Informasi"')
    preview = web.post("/admin/sites/demo/file", data={"text": edited, "csrf": csrf})
    assert "~ service E name: Informasi &amp; Pengaduan → Informasi" in preview.text
    with demo_sqlite.reading() as work:
        assert find_site(work, "demo") is not None
        assert stored_office(work, find_site(work, "demo")).services[-1].name != "Informasi"
    web.post("/admin/sites/demo/file", data={"text": edited, "confirm": "yes", "csrf": csrf})
    with demo_sqlite.reading() as work:
        assert stored_office(work, find_site(work, "demo")).services[-1].name == "Informasi"
    broken = web.post("/admin/sites/demo/file", data={
        "text": edited.replace("minutes = 5", "minutse = 5"), "csrf": csrf,
    })
    assert broken.status_code == 400 and "minutse: unknown key" in broken.text


def test_the_audit_is_filtered(web: TestClient, demo_sqlite: Database) -> None:
    csrf = sign_in(web)
    for quota in ("301", "302"):
        values = form_values(web.get("/admin/sites/demo/services/A").text, "service-form")
        web.post("/admin/sites/demo/services/A", data={**values, "daily_quota": quota,
                                                       "csrf": csrf})
    web.post("/admin/sites/demo/announcements", data={
        **form_values(web.get("/admin/sites/demo/announcements").text, "announcements-form"),
        "announcements": "Selamat datang.", "csrf": csrf,
    })
    page = web.get("/admin/audit?site=demo&kind=service").text
    assert page.count('data-kind="service"') == 2 and 'data-kind="office"' not in page
    assert re.findall(r'<td class="after">([^<]*)<', page) == ["302", "301"], "newest first"
    words = web.get("/admin/audit?text=announcements").text
    assert words.count("<tr data-kind") == 1 and "Selamat datang." in words
