"""Set-up mistakes the kiosk can tell once it has heard from the server.

A button wired to a service the office does not have, or settings that name
an office the server does not know (or not the one the kiosk's token is for),
would otherwise show only when a citizen presses, as a ticket that never
comes. They are found when the kiosk connects, written in the log in one line
each with what to change, and shown by the problem lamp, lit steadily.
"""

from __future__ import annotations

from antrean.messages import Refused
from antrean.protocol import QueueSnapshot
from kiosk.settings import KioskSettings


def button_problems(settings: KioskSettings, snapshot: QueueSnapshot) -> list[str]:
    """One line per button whose service the office does not have."""
    known = {service.code: service.name for service in snapshot.services}
    listed = ", ".join(f"{code} ({name})" for code, name in known.items()) or "none"
    return [
        f"the button on {pin} is for service {code}, which office {snapshot.site.code} does "
        f"not have; its services are {listed}: fix [buttons] services in the settings"
        for pin, code in settings.buttons.services.items()
        if code not in known
    ]


def refusal_problem(settings: KioskSettings, refused: Refused) -> str:
    """What a refused connection means for the kiosk's settings, in one line."""
    own = refused.details.get("your_site")
    if refused.code == "site_not_found":
        hint = f"this kiosk's token is for office {own!r}" if own else "check the office's code"
        return (
            f"the server does not know office {settings.site!r} (settings `site`); {hint}"
        )
    if refused.code == "forbidden" and own:
        return (
            f"this kiosk's token is for office {own!r}, not {settings.site!r}: "
            f"set site = {own!r} in the settings, or add a kiosk for {settings.site!r}"
        )
    if refused.code in {"not_authenticated", "device_revoked"}:
        return (
            f"the server refuses this kiosk's token ({refused.code}): run `antrean device add "
            f"--site {settings.site} --kind kiosk` and set the new token"
        )
    return f"the server refuses this kiosk: {refused.code} ({refused.message.en})"
