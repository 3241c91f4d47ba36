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


class DatabaseUnavailable(StoreError):
    """The database cannot be used now: it cannot be reached or opened (a PostgreSQL
    server away, a connection lost, tables not made yet). Nothing was kept; the same
    work may succeed later."""


class StorageUnavailable(DatabaseUnavailable):
    """The database could not write for want of storage: a full disk, a read-only
    or failing card. Told by the database's code, like a transient conflict."""


class AlreadyKept(StoreError):
    """A row the commit was to add is there already, under the same unique key (a
    request id answered by a twin that committed first). Nothing of the transaction
    was kept."""
