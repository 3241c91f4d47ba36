"""The `antrean` command and the demo: the only code that may import every program."""
