"""`mypy --strict` runs over the packages (scripts/test.sh); where it is told to look
away, the line says why."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("antrean", "launcher", "server", "kiosk", "display", "counter")
IGNORE = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?(?P<after>.*)$")


def test_every_type_ignore_says_why() -> None:
    silent = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.parts:  # migrations as Alembic wrote them
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = IGNORE.search(line)
                if found and not found["after"].strip().lstrip("#").strip():
                    silent.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not silent, "a type: ignore without a reason:\n" + "\n".join(silent)
