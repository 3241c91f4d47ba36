"""antrean: a queue system for Indonesian public-service offices."""

__version__ = "0.1.0"
