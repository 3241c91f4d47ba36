"""Scenario files: the shipped ones load, and mistakes are named with their line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from server.simulation.scenario import (
    ScenarioError,
    load_scenario,
    parse_scenario,
    shipped_names,
)

OFFICE = """
[office.site]
code = "desa"
name = "Kantor Desa"
timezone = "WIB"
[office.site.hours]
mon = ["08:00-12:00"]

[[office.services]]
code = "A"
name = "Surat"
minutes = 6

[[office.counters]]
number = 1
services = ["A"]
"""

DAY = """
[scenario]
name = "Desa"
date = 2026-11-23
"""

ARRIVALS = """
[[arrivals]]
service = "A"
per_hour = { "08:00" = 10, "11:00" = 0 }
minutes = 6
spread = 2
"""


def test_the_three_shipped_scenarios_load() -> None:
    assert shipped_names() == ["counter-break", "night-service", "shared-counters"]
    night = load_scenario("night-service")
    # The office file by path: the annotated kecamatan, with its night service.
    assert night.office.site.name == "Kantor Kecamatan Bontang Selatan"
    assert night.about.day.weekday() == 1  # a Tuesday
    assert night.staffing == ((time(19, 30), 2),)
    assert {a.code for a in night.arrivals} == {"A", "C"}
    shared = load_scenario("shared-counters")
    # The office written in place; every counter serves both services.
    assert all(set(c.services) == {"A", "B"} for c in shared.office.counters)
    pause = load_scenario("counter-break").breaks
    assert [(b.counter, b.at, b.minutes) for b in pause] == [(2, "10:00", 30)]


def test_an_office_by_path_is_read_relative_to_the_scenario(tmp_path: Path) -> None:
    office = tmp_path / "offices" / "desa.toml"
    office.parent.mkdir()
    office.write_text(OFFICE.replace("office.", ""), encoding="utf-8")
    scenario = tmp_path / "desa.toml"
    scenario.write_text('office = "offices/desa.toml"\n' + DAY + ARRIVALS, encoding="utf-8")
    loaded = load_scenario(str(scenario))
    assert loaded.office.site.code == "desa"
    # Without a [staffing] table every counter is open from the first arrivals.
    assert loaded.staffing == ((time(8, 0), 1),)


def test_a_missing_office_file_is_named(tmp_path: Path) -> None:
    scenario = tmp_path / "desa.toml"
    scenario.write_text('office = "nowhere.toml"\n' + DAY + ARRIVALS, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"nowhere\.toml"):
        load_scenario(str(scenario))


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("spread = 2", "spred = 2"), 26, "unknown key"),
        (('"11:00" = 0', '"11:00" = 4'), 24, "end per_hour"),
        (('"08:00" = 10', '"8 pagi" = 10'), 24, "not a time of day"),
        (("date = 2026-11-23", "date = 2026-13-01"), None, "not valid TOML"),
    ],
)
def test_mistakes_are_named_with_their_line(
    change: tuple[str, str], line: int | None, words: str
) -> None:
    text = (OFFICE + DAY + ARRIVALS).replace(*change)
    with pytest.raises(ScenarioError, match=words) as caught:
        parse_scenario(text, Path("desa.toml"))
    if line is not None:
        assert f"desa.toml:{line}:" in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('[[arrivals]]\nservice = "B"\nper_hour = { "08:00" = 1, "09:00" = 0 }\n'
         "minutes = 5\nspread = 1\n", "service B, which the office does not have"),
        ("[[breaks]]\ncounter = 7\nat = \"09:00\"\nminutes = 15\n", "counter 7"),
        ('[staffing]\n"08:00" = 3\n', "asks for 3 counters"),
    ],
)
def test_a_scenario_must_fit_its_office(extra: str, words: str) -> None:
    with pytest.raises(ScenarioError, match=words):
        parse_scenario(OFFICE + DAY + ARRIVALS + extra)


def test_an_unknown_scenario_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError, match="night-service"):
        load_scenario("no-such-scenario")
