"""The monitor wall in a browser: for offices that already own a smart TV or a mini PC."""
