"""Example office files shipped with the server (`antrean office example`)."""

from pathlib import Path

EXAMPLE = Path(__file__).with_name("kecamatan.toml")
"""A kecamatan in WITA with a night service, annotated key by key."""
