"""`antrean simulate` as a user runs it: the report, the chart, the tickets, the plan."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from launcher.cli import main


def test_simulate_writes_the_report_a_chart_and_every_ticket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "night-service", "--seeds", "3", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "Layanan malam Bontang Selatan: 3 days (seeds 1–3)" in out
    for method in ("antrean (printed)", "ahead × mean ÷ open", "recent waits"):
        assert method in out
    assert "counters busy: 1 " in out and "3 —" in out  # counter 3 is not staffed at night
    # Progress goes to the terminal's error stream, day by day.
    assert "night-service: day 3/3" in err
    with (tmp_path / "night-service-tickets.csv").open(encoding="utf-8") as tickets:
        rows = list(csv.DictReader(tickets))
    assert {row["seed"] for row in rows} == {"1", "2", "3"}
    assert all(row["code"][0] in "AC" and row["called"] for row in rows)
    assert f"({len(rows)} rows)" in out
    chart = ElementTree.parse(tmp_path / "night-service.svg").getroot()
    assert chart.tag.endswith("svg")
    texts = "".join(chart.itertext())
    assert "Layanan malam Bontang Selatan" in texts and "20.00" in texts
    # A dot per citizen for the wait and another for the estimate's error.
    assert len(chart.findall(".//{http://www.w3.org/2000/svg}circle")) == 2 * len(rows)


def test_simulate_lists_the_shipped_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    assert "night-service" in out and "shared-counters" in out and "counter-break" in out


def test_a_broken_scenario_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('office = "missing.toml"\n[scenario]\nname = "x"\ndate = 2026-11-23\n',
                      encoding="utf-8")
    assert main(["simulate", str(broken)]) == 2
    assert "broken.toml" in capsys.readouterr().err


def test_plan_prints_a_staffing_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "night-service", "--plan", "--average", "30", "--seeds", "4"]) == 0
    out = capsys.readouterr().out
    assert "Staffing for Layanan malam Bontang Selatan: average wait ≤ 30 min" in out
    assert "[staffing]" in out and '"19:30" = ' in out
