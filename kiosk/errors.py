"""The kiosk's exceptions: one root, each leaf also the built-in it refines."""

from __future__ import annotations


class KioskError(Exception):
    """Root of everything the kiosk raises on purpose."""


class PrintFailed(KioskError, OSError):
    """The printer did not take the ticket (unplugged, jammed, cover open, no answer)."""


class MissingDriver(KioskError, ImportError):
    """The printer's kind needs a package that is not installed."""
