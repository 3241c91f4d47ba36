"""`antrean display`: the monitor wall; `display sample` plays a call for the installer."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    display = commands.add_parser(
        "display", help="run the monitor wall (screen, chime and spoken call)"
    )
    display.add_argument("--config", help="settings file (default: $ANTREAN_DISPLAY_CONFIG)")
    display.add_argument(
        "--simulate", action="store_true",
        help="a window where there is a screen, else PNG frames; calls kept as WAV files",
    )
    display.set_defaults(run=_display)
    more = display.add_subparsers(title="display")
    sample = more.add_parser(
        "sample", help="render a sample call and play it (checks the voice and loudspeaker)"
    )
    sample.add_argument("--config", help="settings file (default: $ANTREAN_DISPLAY_CONFIG)")
    sample.add_argument("--code", default="A123")
    sample.add_argument("--counter", type=int, default=3)
    sample.add_argument("--out", help="also save the call's WAV file here")
    sample.add_argument("--no-play", action="store_true", help="only render it")
    sample.set_defaults(run=_sample)


def _display(args: argparse.Namespace) -> int:
    from pathlib import Path

    from display.main import run

    return run(Path(args.config) if args.config else None, simulate=args.simulate)


def _sample(args: argparse.Namespace) -> int:
    from pathlib import Path

    from display.sample import sample_call
    from display.settings import DisplaySettings

    settings = DisplaySettings.load(Path(args.config) if args.config else None)
    sample_call(
        settings, args.code, args.counter,
        out=Path(args.out) if args.out else None, play=not args.no_play,
    )
    return 0
