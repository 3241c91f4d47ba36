"""What a program reports about the card it runs from: real file systems, one of
them full and one read-only (tmpfs in a mount namespace of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from antrean.storage import LOW_SPACE_BYTES, DiskState, disk_state

PROBE = (
    "import json, sys; from antrean.storage import disk_state; s = disk_state(sys.argv[1]); "
    "print(json.dumps({'free': s.free_bytes, 'ro': s.read_only, 'problem': s.problem, "
    "'writable': s.writable}))"
)


def _inside_a_card(tmp_path: Path, prepare: str) -> dict[str, object]:
    card = tmp_path / "card"
    card.mkdir()
    script = (
        f"set -e; mount -t tmpfs -o size=1m antrean-card {card}; {prepare}; "
        f"exec {sys.executable} -c \"{PROBE}\" {card}/antrean.db"
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True, timeout=60, env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_healthy_folder(tmp_path: Path) -> None:
    state = disk_state(tmp_path / "not-yet" / "antrean.db")  # its nearest existing parent
    stats = os.statvfs(tmp_path)
    assert abs(state.free_bytes - stats.f_bavail * stats.f_frsize) < 64 * 1024 * 1024
    assert state.read_only is False and state.writable


def test_a_full_card(tmp_path: Path) -> None:
    found = _inside_a_card(tmp_path, f"dd if=/dev/zero of={tmp_path}/card/fill bs=4k || true")
    assert found["free"] == 0 and found["writable"] is False
    assert "only 0 MB free" in str(found["problem"])


def test_a_read_only_card(tmp_path: Path) -> None:
    found = _inside_a_card(tmp_path, f"mount -o remount,ro {tmp_path}/card")
    assert found["ro"] is True and found["writable"] is False
    assert "read-only" in str(found["problem"])


def test_low_space_is_a_problem_to_report_but_still_writable() -> None:
    low = DiskState("/var/lib/antrean", LOW_SPACE_BYTES - 1, 8 * 2**30, False)
    assert low.writable and low.problem is not None and "MB free" in low.problem
    assert DiskState("/", LOW_SPACE_BYTES + 1, 8 * 2**30, False).problem is None
