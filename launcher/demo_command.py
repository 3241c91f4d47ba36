"""`antrean demo`: a whole office on one machine, on simulated hardware (launcher.demo)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="run a whole demo office on simulated hardware")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seconds", type=float, default=0, help="stop after this long (0: never)")
    demo.add_argument("--speed", type=float, default=1.0, help="make citizens come faster")
    demo.set_defaults(run=_demo)


def _demo(args: argparse.Namespace) -> int:
    from launcher.demo import run_demo

    return run_demo(port=args.port, seconds=args.seconds, speed=args.speed)

