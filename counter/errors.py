"""The keypad's exceptions: one root, each leaf also the built-in it refines."""

from __future__ import annotations


class CounterError(Exception):
    """Root of everything the keypad raises on purpose."""


class LcdUnavailable(CounterError, OSError):
    """The LCD does not answer on its I2C bus (unplugged, wrong address, I2C off)."""
