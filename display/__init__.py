"""The monitor wall: the latest call, counters, waiting lines and the spoken call."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame's greeting is not a log line
