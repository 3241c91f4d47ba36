"""How a device's settings name a GPIO pin: a Broadcom number or a gpiozero pin name."""

from __future__ import annotations

Pin = int | str  # a GPIO number (17) or a gpiozero pin name ("GPIO17", "BOARD11")


def pin_value(pin: Pin) -> Pin:
    """What gpiozero is given: "17" becomes 17, names pass through."""
    return int(pin) if isinstance(pin, str) and pin.isdigit() else pin
