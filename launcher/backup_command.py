"""`antrean backup` and `antrean restore`: the office's SQLite database, copied and brought back.

The work is in server/store/backup.py; the server's settings say where the
database is, where generations go, how many are kept and where a second copy
goes, and the options here override them for one run.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup", help="copy the database (safe while the server runs) and keep N generations",
    )
    backup.add_argument("--to", type=Path, help="folder of generations (default: backup_dir)")
    backup.add_argument(
        "--keep", type=int, help="generations to keep (default: backup_generations)"
    )
    second = backup.add_mutually_exclusive_group()
    second.add_argument(
        "--copy-to", help="also mirror the generations there: a folder on a USB stick, or "
        "user@host:folder (default: backup_copy_to)",
    )
    second.add_argument("--no-copy", action="store_true", help="skip the second place this time")
    backup.add_argument("--list", action="store_true", help="list the generations and stop")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser(
        "restore", help="put a backup in the database's place (the server must be stopped)",
    )
    restore.add_argument(
        "file", type=Path, help="the backup to restore (see antrean backup --list)"
    )
    restore.add_argument("--check", action="store_true", help="only check the file")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(run=_restore)


def _backup(args: argparse.Namespace) -> int:
    from server.config import ServerSettings
    from server.store.backup import generations, sqlite_file, take_backup

    settings = ServerSettings.load()
    folder = args.to or settings.backups
    if args.list:
        found = generations(folder)
        for path in found:
            print(f"{path}  {path.stat().st_size / (1024 * 1024):8.1f} MB")
        print(f"{len(found)} generations in {folder}")
        return 0
    copy_to = None if args.no_copy else args.copy_to or settings.backup_copy_to
    take_backup(
        sqlite_file(settings.database),
        folder,
        keep=args.keep or settings.backup_generations,
        copy_to=copy_to,
        progress=_say,
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from server.config import ServerSettings
    from server.store.backup import check_database, restore, sqlite_file

    settings = ServerSettings.load()
    if args.check:
        contents = check_database(args.file)
        _say(
            f"{args.file}: intact, schema {contents.revision}, {contents.sites} offices, "
            f"{contents.tickets} tickets, last event {contents.last_event_at or '-'}"
        )
        return 0
    database = sqlite_file(settings.database)
    if not args.yes:
        answer = input(f"replace {database} with {args.file}? Type 'yes': ")
        if answer.strip().lower() != "yes":
            _say("nothing changed")
            return 1
    restore(args.file, database, keep_folder=settings.backups, progress=_say)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)
