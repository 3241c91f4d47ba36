"""Indonesian mobile numbers as citizens write them, in the one form a gateway takes."""

from __future__ import annotations

import pytest

from server.notifier.phone import NotAPhoneNumber, masked, normalise


@pytest.mark.parametrize(
    "written",
    ["0812-3456-7890", "0812 3456 7890", "+62 812 3456 7890", "6281234567890",
     "(0812) 3456.7890", "81234567890", " 0812/3456/7890 "],
)
def test_one_number_written_many_ways(written: str) -> None:
    assert normalise(written) == "+6281234567890"


@pytest.mark.parametrize(
    "written",
    ["", "abc", "0812", "021 5550 1234", "+1 202 555 0100", "0812345678901234", "0812-3456-789x",
     "٠٨١٢٣٤٥٦٧٨٩٠"],
)
def test_what_is_not_a_mobile_number(written: str) -> None:
    with pytest.raises(NotAPhoneNumber):
        normalise(written)


def test_shown_masked() -> None:
    assert masked("+6281234567890") == "0812•••••890"
    assert masked("+62812345678") == "0812•••678"
