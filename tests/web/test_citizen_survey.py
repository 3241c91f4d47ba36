"""The satisfaction survey after service: once per served ticket, in its window, anonymous."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.engine.commands import find_site
from server.skm import ELEMENT_CODES
from server.store import survey as answers_store
from tests.conftest import Clock
from tests.server.conftest import Api

ALL_GOOD = {code: "4" for code in ELEMENT_CODES}


def _served(api: Api, officer: dict[str, str], clock: Clock) -> dict[str, Any]:
    mine = api.issue(officer, "A")
    clock.advance(minutes=5)
    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    clock.advance(minutes=7)
    answer = api.client.post(f"/api/v1/tickets/{mine['ticket']['id']}/finish", headers=officer)
    assert answer.status_code == 200
    return mine


def _send(api: Api, ticket: dict[str, Any], **fields: str) -> Any:
    return api.client.post(
        f"/t/{ticket['ticket']['id']}/survey",
        data={"token": ticket["token"], **fields},
        follow_redirects=False,
    )


def _kept(api: Api, clock: Clock) -> list[answers_store.SurveyAnswers]:
    with api.db.reading() as work:
        site = find_site(work, "demo")
        day = clock().date()
        return answers_store.between(work, site.id, day - timedelta(days=7), day)


def test_a_served_citizen_answers_once(api: Api, officer: dict[str, str], clock: Clock) -> None:
    mine = _served(api, officer, clock)
    page = api.client.get(mine["status_path"]).text
    assert 'id="survey"' in page and "Survei Kepuasan Masyarakat" in page
    for words in ("Sangat sesuai", "Gratis", "Dikelola dengan baik", "Sangat sopan dan ramah"):
        assert words in page, words

    scores = dict(zip(ELEMENT_CODES, "432143214", strict=True))
    first = _send(
        api, mine, **scores, sex="female", age_band="60_over", education="", occupation="other",
        suggestion="  Kursi   ruang tunggu\nditambah.  ",
    )
    assert first.status_code == 303
    assert first.headers["location"] == f"{mine['status_path']}#after"
    thanks = api.client.get(mine["status_path"]).text
    assert "Terima kasih!" in thanks and 'id="survey"' not in thanks

    second = _send(api, mine, **ALL_GOOD)
    assert second.status_code == 409
    assert "hanya dapat mengisi satu kali" in second.text
    assert 'id="survey"' not in second.text

    [kept] = _kept(api, clock)
    assert kept.scores == (4, 3, 2, 1, 4, 3, 2, 1, 4), "the first answers stand"
    assert dict(kept.profile) == {
        "sex": "female", "age_band": "60_over", "education": None, "occupation": "other",
    }
    assert kept.suggestion == "Kursi ruang tunggu ditambah."
    assert kept.local_day == clock().date()


def test_the_survey_opens_only_after_service(api: Api, officer: dict[str, str]) -> None:
    waiting = api.issue(officer, "A")
    page = api.client.get(waiting["status_path"]).text
    assert 'id="survey"' not in page and "Survei" not in page
    refused = _send(api, waiting, **ALL_GOOD)
    assert refused.status_code == 409
    assert "setelah Anda selesai dilayani" in refused.text
    assert 'id="survey"' not in refused.text


@pytest.mark.parametrize("ending", ["no-show", "cancel"])
def test_no_survey_for_a_ticket_that_was_not_served(
    api: Api, officer: dict[str, str], ending: str
) -> None:
    mine = api.issue(officer, "A")
    api.client.post("/api/v1/sites/demo/counters/1/call-next", headers=officer)
    api.client.post(f"/api/v1/tickets/{mine['ticket']['id']}/{ending}", headers=officer, json={})
    answer = _send(api, mine, **ALL_GOOD)
    assert answer.status_code == 409
    assert "setelah Anda selesai dilayani" in answer.text


def test_the_survey_closes_days_after_service(
    api: Api, officer: dict[str, str], clock: Clock
) -> None:
    mine = _served(api, officer, clock)
    clock.advance(days=3, minutes=-1)
    assert 'id="survey"' in api.client.get(mine["status_path"]).text
    clock.advance(minutes=2)
    page = api.client.get(mine["status_path"]).text
    assert "sudah berakhir (3 hari setelah dilayani)" in page and 'id="survey"' not in page
    late = _send(api, mine, **ALL_GOOD)
    assert late.status_code == 409 and "sudah berakhir" in late.text
    assert _kept(api, clock) == []


def test_every_question_must_be_answered(api: Api, officer: dict[str, str], clock: Clock) -> None:
    mine = _served(api, officer, clock)
    partial = {code: "3" for code in ELEMENT_CODES[:7]}
    answer = _send(api, mine, **partial, sex="male", suggestion="Cepat.")
    assert answer.status_code == 422
    page = answer.text
    assert "Mohon jawab kesembilan pertanyaan" in page
    assert page.count("Belum dijawab") == 2
    assert 'class="question missing" id="q-complaints"' in page
    assert 'class="question missing" id="q-facilities"' in page
    assert page.count(" checked>") == 7, "what was answered is kept"
    assert '<option value="male" selected>' in page and ">Cepat.</textarea>" in page
    assert _kept(api, clock) == []
    assert _send(api, mine, **ALL_GOOD).status_code == 303


@pytest.mark.parametrize(
    "wrong", [{"time": "5"}, {"time": "0"}, {"time": "x"}, {"sex": "robot"}, {"age_band": "99"}]
)
def test_answers_no_page_sends_are_refused(
    api: Api, officer: dict[str, str], clock: Clock, wrong: dict[str, str]
) -> None:
    mine = _served(api, officer, clock)
    answer = _send(api, mine, **{**ALL_GOOD, **wrong})
    assert answer.status_code == 422
    assert "Jawaban tidak dapat dibaca" in answer.text
    assert _kept(api, clock) == []


def test_a_wrong_token_gets_the_wrong_link_page(
    api: Api, officer: dict[str, str], clock: Clock
) -> None:
    mine = _served(api, officer, clock)
    forged = {**mine, "token": mine["token"][:-1] + "Q"}
    for answer in (_send(api, forged, **ALL_GOOD), _send(api, {**mine, "token": ""}, **ALL_GOOD)):
        assert answer.status_code == 404
        assert "Tautan status antrean tidak dikenali" in answer.text
    assert _kept(api, clock) == []


def test_the_survey_in_english(api: Api, officer: dict[str, str], clock: Clock) -> None:
    mine = _served(api, officer, clock)
    api.client.cookies.set("antrean_lang", "en")
    page = api.client.get(mine["status_path"]).text
    assert '<html lang="en">' in page
    assert "Public Satisfaction Survey" in page and "Very polite and friendly" in page
    assert "It is well managed" in page and "Free" in page
