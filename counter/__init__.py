"""The counter keypad: buttons, lamps and a small LCD per counter, on a Raspberry Pi."""
