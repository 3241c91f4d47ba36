"""Offices described in one file: reading, writing, comparing and applying it."""
