"""Pages for people: the citizen's ticket status (more pages come here)."""
