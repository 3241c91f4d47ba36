"""Texting a citizen when their turn is near, through the office's SMS or WhatsApp gateway."""
