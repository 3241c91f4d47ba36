"""Simulated office days: seeded citizens driven through the real queue commands."""
