"""Indonesian mobile numbers, as citizens write them, in the one form gateways take.

"0812-3456-7890", "0812 3456 7890", "+62 812 3456 7890" and "6281234567890"
are the same number: +6281234567890 (E.164). Mobile numbers start with 8
after the country code and have 9 to 12 digits after it.
"""

from __future__ import annotations

import re

_SPACING = re.compile(r"[\s\-.()/]")
_NATIONAL = re.compile(r"8\d{8,11}")


class NotAPhoneNumber(ValueError):
    """Not an Indonesian mobile number."""


def normalise(written: str) -> str:
    """The number as +628…, or NotAPhoneNumber."""
    digits = _SPACING.sub("", written.strip())
    if digits.startswith("+62"):
        national = digits[3:]
    elif digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if not _NATIONAL.fullmatch(national):
        raise NotAPhoneNumber(written)
    return f"+62{national}"


def masked(number: str) -> str:
    """For showing on a screen others may see: '0812•••••890'."""
    national = "0" + number.removeprefix("+62")
    return national[:4] + "•" * max(0, len(national) - 7) + national[-3:]
