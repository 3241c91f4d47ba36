"""`antrean init`, `server`, `user` and `device`: the queue server and its database.

Imports of the server happen inside each command: the launcher itself must
load on a Pi that installed only a device's packages.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from launcher.errors import CommandError

if TYPE_CHECKING:
    from server.config import ServerSettings
    from server.store.database import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help="create or upgrade the database")
    init.add_argument("--demo", action="store_true", help="add the demo office (site 'demo')")
    init.add_argument("--public-url", help="address citizens' phones reach the server at")
    init.set_defaults(run=_init)

    server = commands.add_parser("server", help="run the queue server")
    server.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, help="port (default 8000)")
    server.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="server processes sharing the port, which share events through PostgreSQL "
        "(PostgreSQL only; default 1)",
    )
    server.set_defaults(run=_server)

    user = commands.add_parser("user", help="manage users").add_subparsers(title="user")
    add_user = user.add_parser("add", help="add an admin, supervisor or officer")
    add_user.add_argument("username")
    add_user.add_argument("--role", required=True, choices=["admin", "supervisor", "officer"])
    add_user.add_argument("--site", help="the office the user works at (none: every office)")
    add_user.add_argument(
        "--other-site", action="append", default=[], metavar="SITE",
        help="a further office the user may act at, e.g. a kelurahan (repeatable)",
    )
    add_user.add_argument("--full-name", default="")
    add_user.add_argument(
        "--password", help="default: $ANTREAN_PASSWORD, else asked for (not echoed)"
    )
    add_user.set_defaults(run=_user_add)

    device = commands.add_parser("device", help="manage devices").add_subparsers(title="device")
    add_device = device.add_parser("add", help="register a kiosk, counter keypad or display")
    add_device.add_argument("--site", required=True)
    add_device.add_argument("--kind", required=True, choices=["kiosk", "counter", "display"])
    add_device.add_argument(
        "--counter", type=int, action="append", default=[], help="counter number (repeatable)"
    )
    add_device.add_argument("--name")
    add_device.set_defaults(run=_device_add)
    list_devices = device.add_parser("list", help="list registered devices")
    list_devices.set_defaults(run=_device_list)
    revoke = device.add_parser("revoke", help="revoke a device's token")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=_device_revoke)



def _now() -> datetime:
    return datetime.now(UTC)


def _settings() -> ServerSettings:
    from server.config import ServerSettings

    return ServerSettings.load()


def _database() -> Database:
    from server.store.database import Database
    from server.store.migrate import upgrade

    settings = _settings()
    db = Database(settings.database)
    upgrade(db)
    return db


def _init(args: argparse.Namespace) -> int:
    from antrean.vocabulary import Role
    from server.admin import add_user, create_site
    from server.demo_office import DEMO_PASSWORD, DEMO_SITE, DEMO_USERS, demo_spec

    db = _database()
    print(f"database ready: {db.url}")
    if args.demo:
        with db.writing() as work:
            if work.site(DEMO_SITE) is not None:
                print(f"demo office '{DEMO_SITE}' exists already")
                return 0
            create_site(work, demo_spec(args.public_url))
            for username, role, name in DEMO_USERS:
                site = None if role == "admin" else DEMO_SITE
                add_user(work, username, DEMO_PASSWORD, Role(role), site, name)
        print(f"demo office '{DEMO_SITE}' created with services A–E and counters 1–4")
        print(f"demo users {', '.join(u for u, _, _ in DEMO_USERS)} (password {DEMO_PASSWORD})")
    return 0


def _server(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = _settings()
    host = args.host or settings.host
    port = args.port or settings.port
    if args.workers != 1:
        _check_workers(settings, args.workers)
    _check_port_free(host, port)
    if args.workers != 1:
        from server.web.session import server_secret

        # Migrate, and make the pages' secret, once here rather than in N workers at
        # once: each then finds the schema current and the same secret.
        _database().dispose()
        server_secret(settings)
        # Each worker builds its own app from the same settings (file and environment).
        uvicorn.run(
            "server.app:create_app", factory=True, host=host, port=port,
            workers=args.workers, **settings.uvicorn_options(),
        )
        return 0
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, **settings.uvicorn_options())
    return 0


def _check_workers(settings: ServerSettings, workers: int) -> None:
    """Several processes need a database they can share and a way to share events."""
    from server.store.database import backend_of

    if workers < 1:
        raise CommandError("--workers must be 1 or more")
    if backend_of(settings.database) == "sqlite":
        raise CommandError(
            "--workers needs PostgreSQL (database_url = \"postgresql+psycopg://…\"); "
            "on SQLite one process serves the office"
        )
    if settings.fanout == "memory":
        raise CommandError(
            "--workers needs fanout \"postgres\" (or \"auto\"): with \"memory\" a device "
            "would see only the commands of its own process"
        )


def _check_port_free(host: str, port: int) -> None:
    """A port already taken is said in one line, before anything starts."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is in use (is another antrean server running?); "
                    "choose another with --port"
                ) from None
            if error.errno == errno.EADDRNOTAVAIL:
                raise CommandError(f"{host} is not an address of this machine (--host)") from None
            raise


def _user_add(args: argparse.Namespace) -> int:
    from antrean.vocabulary import Role
    from server.admin import add_user
    from server.store import accounts

    password = args.password or os.environ.get("ANTREAN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CommandError(
                f"no password for {args.username}: give --password, set ANTREAN_PASSWORD, "
                "or run the command in a terminal to type it"
            )
        password = getpass.getpass(f"password for {args.username}: ")
    if args.other_site and not args.site:
        raise ValueError("--other-site needs --site: a user without a site acts everywhere")
    with _database().writing() as work:
        user = add_user(
            work, args.username, password, Role(args.role), args.site, args.full_name
        )
        others = []
        for code in args.other_site:
            site = work.site(code)
            if site is None:
                raise ValueError(f"there is no office {code!r} (--other-site)")
            others.append(site.id)
        accounts.set_other_sites(work, user.id, others)
    print(f"user {user.username} ({user.role.value}) added")
    return 0


def _device_add(args: argparse.Namespace) -> int:
    from antrean.vocabulary import DeviceKind
    from server.admin import add_device

    with _database().writing() as work:
        device, token = add_device(
            work, args.site, DeviceKind(args.kind), _now(), args.counter, args.name
        )
    print(f"device {device.id} ({device.kind.value} at {args.site}) added.")
    print("Its token is shown only this once; put it in the device's settings:")
    print(token)
    return 0


def _device_list(args: argparse.Namespace) -> int:
    from server.store import accounts

    with _database().reading() as work:
        sites = {s.id: s.code for s in work.sites()}
        for d in accounts.devices(work):
            state = "revoked" if d.revoked_at else "active"
            counters = ",".join(map(str, d.counter_numbers)) or "-"
            site = sites[d.site_id]
            print(f"{d.id:>4}  {d.kind.value:<8} {site:<12} {counters:<8} {state:<8} {d.name}")
    return 0


def _device_revoke(args: argparse.Namespace) -> int:
    from server.admin import revoke_device

    with _database().writing() as work:
        revoke_device(work, args.id, _now())
    print(f"device {args.id} revoked")
    return 0
