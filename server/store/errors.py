"""What the store raises, in its own words rather than a driver's."""

from __future__ import annotations


class StoreError(Exception):
    """Something the store could not do."""


class TransientConflict(StoreError):
    """The database gave up this transaction because of a concurrent one (deadlock,
    serialisation failure, or SQLite still locked after the busy timeout).

    Nothing of it was kept, so the same work may simply run again.
    """


class UnsavedChanges(StoreError, RuntimeError):
    """Objects were changed but not saved before commit (or before being read again).

    Always a mistake in the code: a rule changed an object without recording
    the event that saves it. Raised instead of silently losing the change.
    """
