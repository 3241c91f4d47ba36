"""`antrean counter`: the counter keypad (buttons, lamps, a small LCD per counter)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    counter = commands.add_parser(
        "counter", help="run the counter keypad (buttons, lamps, LCD per counter)"
    )
    counter.add_argument("--config", help="settings file (default: $ANTREAN_COUNTER_CONFIG)")
    counter.add_argument(
        "--simulate", action="store_true",
        help="keys press the buttons; the LCDs are drawn in the terminal",
    )
    counter.set_defaults(run=_counter)


def _counter(args: argparse.Namespace) -> int:
    from pathlib import Path

    from counter.main import run

    return run(Path(args.config) if args.config else None, simulate=args.simulate)
