"""Errors of the engine, storage and pipeline layers, free of any CLI dependency.

The CLI maps each class to one azclierror class (and so to az's exit code): NotFoundError -> 3,
everything else -> 1. Messages are one line, name what is wrong, and never carry a secret.
"""


OUT_OF_MEMORY = ("out of memory: the process could not get the memory it needed (a limit such as `ulimit -v`, or "
                 "a container's); raise the limit or free memory, and run it again")


class BacpacError(Exception):
    """Base class for errors a user can act on."""


class NotFoundError(BacpacError):
    """A database, server folder, package or operation does not exist."""


class ConflictError(BacpacError):
    """The target already exists or is busy (an import into a database with tables, a running operation)."""


class NotABacpacError(ConflictError):
    """The export's destination exists and is not a BACPAC (so --overwrite is not offered)."""


class InvalidInputError(BacpacError):
    """An argument is malformed: a bad URI, an unknown table filter, an unsupported option value."""


class UnsupportedError(BacpacError):
    """Something valid that this version cannot do yet (named in the message)."""


class CancelledError(BacpacError):
    """The operation was cancelled by the user; everything it created has been removed."""


class EngineError(BacpacError):
    """The database engine refused or failed (locked file, disk full, constraint violation)."""


class StorageError(BacpacError):
    """The package's location could not be read or written (permission denied, disk full, not a file)."""
