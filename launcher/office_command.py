"""`antrean office apply/export/example`: an office set up from one file.

Imports of the server happen inside each command, as in server_commands.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    office = commands.add_parser(
        "office", help="set up an office from a file, or write one down"
    ).add_subparsers(title="office")

    apply = office.add_parser(
        "apply", help="create or update an office from its file (docs/office-file.md)"
    )
    apply.add_argument("file", type=Path, help="the office file (TOML)")
    apply.add_argument(
        "--dry-run", action="store_true", help="show what would change and write nothing"
    )
    apply.set_defaults(run=_apply)

    export = office.add_parser("export", help="write an office as stored to an office file")
    export.add_argument("site", help="the office's code")
    export.add_argument("-o", "--output", type=Path, help="write here instead of standard output")
    export.set_defaults(run=_export)

    example = office.add_parser("example", help="print an annotated example office file")
    example.set_defaults(run=_example)


def _apply(args: argparse.Namespace) -> int:
    from launcher.server_commands import _database
    from server.audit import Author
    from server.office.apply import apply_office, planned_changes
    from server.office.changes import Change
    from server.office.file import read_office_file

    wanted = read_office_file(args.file)
    code = wanted.site.code
    db = _database()
    try:
        if args.dry_run:
            with db.reading() as work:
                found = planned_changes(work, wanted)
            for change in found:
                print(change.describe())
            if found:
                print(f"{len(found)} change(s) to office '{code}' would be made; "
                      "nothing was written (--dry-run)")
            else:
                print(f"office '{code}' is as {args.file} says: nothing to change")
            return 0

        shown_any = False

        def shown(change: Change) -> None:
            nonlocal shown_any
            if not shown_any:
                print(f"applying {args.file} to office '{code}':", flush=True)
                shown_any = True
            print(change.describe(), flush=True)

        with db.writing() as work:
            found = apply_office(
                work, wanted, Author.command_line("file"), datetime.now(UTC), shown
            )
        if found:
            print(f"office '{code}': {len(found)} change(s) applied")
        else:
            print(f"office '{code}' is as {args.file} says: nothing to change")
        return 0
    finally:
        db.dispose()


def _export(args: argparse.Namespace) -> int:
    from launcher.server_commands import _database
    from server.office.apply import stored_office
    from server.office.file import render

    db = _database()
    try:
        with db.reading() as work:
            site = work.site(args.site)
            if site is None:
                known = ", ".join(s.code for s in work.sites()) or "none yet"
                raise ValueError(
                    f"there is no office '{args.site}' (offices: {known}); "
                    "create one with `antrean office apply FILE`"
                )
            text = render(stored_office(work, site))
    finally:
        db.dispose()
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise ValueError(f"cannot write {args.output}: {error.strerror or error}") from None
        print(f"office '{args.site}' written to {args.output}", file=sys.stderr)
    return 0


def _example(args: argparse.Namespace) -> int:
    from server.office.examples import EXAMPLE

    sys.stdout.write(EXAMPLE.read_text(encoding="utf-8"))
    return 0
