"""`antrean counter --simulate`: keys press the buttons, the LCD is drawn in the terminal."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from antrean.vocabulary import TicketStatus
from tests.counter.conftest import Office

ROOT = Path(__file__).parents[2]


def test_the_simulated_keypad_as_the_command_runs_it(office: Office, tmp_path: Path) -> None:
    office.issue("A", "C")
    env = {
        **os.environ,
        "ANTREAN_COUNTER_SERVER_URL": office.url,
        "ANTREAN_COUNTER_TOKEN": office.keypad_token([1]),
        "ANTREAN_COUNTER_NEXT_GUARD_SECONDS": "0",
        "ANTREAN_COUNTER_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text('site = "demo"\n')
    child = subprocess.Popen(
        [sys.executable, "-m", "launcher", "counter", "--simulate"],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    assert child.stdout is not None and child.stdin is not None
    threading.Thread(target=lambda: [lines.put(line) for line in child.stdout], daemon=True).start()  # type: ignore[union-attr]

    def wait_for(text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in seen):
            assert time.monotonic() < deadline, f"{text!r} never shown:\n{''.join(seen)}"
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=0.2))

    try:
        wait_for("│MENUNGGU: 2     │")
        child.stdin.write("n")
        child.stdin.flush()
        wait_for("counter 1: NEXT")
        wait_for("│L1 A001")
        child.stdin.write("q")
        child.stdin.flush()
        assert child.wait(20) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdin.close()
        child.stdout.close()
    assert "loket 1 ┌────────────────┐" in "".join(seen)
    assert office.tickets()[0].status is TicketStatus.CALLED
