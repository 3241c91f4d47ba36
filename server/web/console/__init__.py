"""The officer's console: work a counter from a PC, with the mouse or the keyboard alone."""
