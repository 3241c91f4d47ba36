"""The `antrean` command: one entry point for every program and admin task.

Each program's commands live in their own module and import that program only
when they run, so a kiosk Pi, which installs only the kiosk's packages, never
needs the server's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from antrean import __version__
from launcher import (
    backup_command,
    counter_command,
    demo_command,
    display_command,
    kiosk_command,
    office_command,
    server_commands,
    simulate_command,
)
from launcher.errors import one_line

COMMAND_MODULES = (
    server_commands,
    office_command,
    demo_command,
    kiosk_command,
    display_command,
    counter_command,
    backup_command,
    simulate_command,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        line = one_line(error)
        if line is None:
            raise  # a bug: its traceback is what a report needs
        print(f"antrean: {line}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antrean", description=__doc__)
    parser.add_argument("--version", action="version", version=f"antrean {__version__}")
    commands = parser.add_subparsers(title="commands")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
