"""The office file: read strictly, errors with their line, written back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.office.changes import changes
from server.office.file import (
    OfficeFile,
    OfficeFileError,
    parse_office_file,
    read_office_file,
    render,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "server" / "office" / "examples" / "kecamatan.toml"

SMALL = """\
[site]
code = "kel-a"
name = "Kantor Kelurahan A"
timezone = "WIB"

[site.hours]
mon = ["08:00-12:00"]

[[services]]
code = "a"
name = "KTP"

[[services]]
code = "B"
name = "Surat Keterangan"
minutes = 5

[[counters]]
number = 1
services = ["A", "B"]
"""


def test_the_shipped_example_reads_and_renders_back_to_the_same_office() -> None:
    office = read_office_file(EXAMPLE)
    assert office.site.timezone == "Asia/Makassar"  # written as WITA
    spec = office.to_spec()
    night = next(s for s in spec.services if s.code == "A").schedule
    assert night is not None and [str(r.start) for r in night.sessions["tue"]] == [
        "07:30:00",
        "19:30:00",
    ]
    assert parse_office_file(render(office)) == office
    assert OfficeFile.from_spec(spec) == office
    ktp = next(s for s in spec.services if s.code == "A")
    assert (ktp.wait_target_minutes, ktp.notify_ahead) == (30, 5)


def test_short_forms_are_normalised() -> None:
    office = parse_office_file(SMALL)
    assert office.site.timezone == "Asia/Jakarta"
    assert [s.code for s in office.services] == ["A", "B"]
    assert office.to_spec().counters[0].name == "Loket 1"


@pytest.mark.parametrize(
    ("mistake", "line", "words"),
    [
        (SMALL.replace('minutes = 5', 'minutse = 5'), 16, "services[1].minutse: unknown key"),
        (SMALL.replace('"WIB"', '"Asia/Bontang"'), 4, "unknown time zone"),
        (SMALL.replace('["08:00-12:00"]', '["8 to 12"]'), 7, "site.hours.mon"),
        (SMALL.replace('code = "a"', 'code = "AB"'), 10, "services[0].code"),
    ],
)
def test_a_mistake_names_its_line_and_field(mistake: str, line: int, words: str) -> None:
    with pytest.raises(OfficeFileError) as caught:
        parse_office_file(mistake, Path("office.toml"))
    message = str(caught.value)
    assert f"office.toml:{line}:" in message
    assert words in message


@pytest.mark.parametrize(
    ("mistake", "words"),
    [
        (SMALL.replace('services = ["A", "B"]', 'services = ["A", "Z"]'), "serves Z"),
        (SMALL.replace('code = "B"', 'code = "A"'), "service code A is used twice"),
        (SMALL.replace('["08:00-12:00"]', '["08:00-12:00", "11:00-13:00"]'), "overlapping"),
        (SMALL.replace("[site.hours]", "[site.hours"), "not valid TOML"),
    ],
)
def test_mistakes_across_entries_are_explained(mistake: str, words: str) -> None:
    with pytest.raises(OfficeFileError, match=words):
        parse_office_file(mistake, Path("office.toml"))


def test_changes_list_only_what_differs() -> None:
    office = parse_office_file(SMALL)
    assert changes(office, office) == []
    edited = parse_office_file(
        SMALL.replace('name = "KTP"', 'name = "KTP & KK"')
        + '\n[[counters]]\nnumber = 2\nservices = ["B"]\n'
    )
    described = [c.describe() for c in changes(office, edited)]
    assert described == ["~ service A name: KTP → KTP & KK", "+ counter 2: Loket 2"]
    assert [c.describe() for c in changes(edited, office)] == [
        "~ service A name: KTP & KK → KTP",
        "- counter 2: Loket 2",
    ]
    assert len(changes(None, office)) == 1 + 2 + 1
