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
    pair = more.add_parser(
        "pair", help="make a one-time code that pairs a browser (smart TV) as a display"
    )
    pair.add_argument("--site", required=True)
    pair.add_argument("--name", help="what the admin pages call this screen")
    pair.add_argument("--services", help="only these services, e.g. A,B")
    pair.add_argument("--counters", help="only these counters, e.g. 1,2,3")
    pair.add_argument("--sound", choices=["voice", "chime", "off"], default="voice")
    pair.add_argument("--wording", help="the sentence, with {code}, {counter}, {service}")
    pair.add_argument("--url", help="the server's address as the TV reaches it "
                                    "(default: the office's public URL)")
    pair.set_defaults(run=_pair)


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


def _pair(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from launcher.server_commands import _database, _settings
    from server.web.tv.pairing import TvOptions, create_pairing, shown_code
    from server.web.tv.routes import pairing_link

    options = TvOptions.model_validate({
        "services": _split(args.services), "counters": [int(n) for n in _split(args.counters)],
        "sound": args.sound, **({"wording": args.wording} if args.wording else {}),
    })
    with _database().writing() as work:
        site = work.site(args.site)
        if site is None:
            raise ValueError(f"there is no office {args.site!r} (see: antrean init --demo)")
        pairing, code = create_pairing(work, args.site, datetime.now(UTC), args.name, options)
        settings = _settings()
        base = args.url or site.public_url or f"http://{settings.host}:{settings.port}"
        expires = pairing.expires_at
    print(f"pairing code for site {args.site}: {shown_code(code)}")
    print(f"open on the TV: {pairing_link(base, code)}")
    print(f"(or open {base.rstrip('/')}/tv/ and type the code; valid until "
          f"{expires:%H:%M} UTC, once)")
    return 0


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]
