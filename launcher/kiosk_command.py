"""`antrean kiosk`: the ticket kiosk (buttons, lamps, printer)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kiosk = commands.add_parser("kiosk", help="run the ticket kiosk (buttons, lamps, printer)")
    kiosk.add_argument("--config", help="settings file (default: $ANTREAN_KIOSK_CONFIG)")
    kiosk.add_argument(
        "--simulate", action="store_true",
        help="keys press the buttons; tickets go to a file and PNGs",
    )
    kiosk.set_defaults(run=_kiosk)


def _kiosk(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kiosk.main import run

    return run(Path(args.config) if args.config else None, simulate=args.simulate)
