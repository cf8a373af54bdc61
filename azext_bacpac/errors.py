"""Errors of the engine, storage and pipeline layers, free of any CLI dependency.

Every error a user can act on has an ErrorKind (error_kind()): the one name it travels under from a
worker process to the CLI (operation records store it), and the key of the CLI's one table from kind
to azclierror class (_errors.AZ_ERRORS; NotFound -> exit 3, everything else -> 1). Messages are one
line, name what is wrong, and never carry a secret.
"""
import enum
import sqlite3


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


class ErrorKind(str, enum.Enum):
    """What kind of failure ended an operation; stored in its record as the plain string value."""
    NOT_FOUND = "NotFound"                # a database, folder, package or operation does not exist
    CONFLICT = "Conflict"                 # the target exists or is busy
    NOT_A_BACPAC = "NotABacpac"           # an export's destination exists and is not a BACPAC
    INVALID_INPUT = "InvalidInput"        # an argument is malformed
    PACKAGE_REFUSED = "PackageRefused"    # the package was refused (e.g. its checksum does not match)
    BAD_PACKAGE = "BadPackage"            # the package is not a readable BACPAC
    UNSUPPORTED = "Unsupported"           # valid, but not something this version does
    CANCELLED = "Cancelled"
    ENGINE = "Engine"                     # the database refused or failed
    SQLITE = "SQLite"                     # SQLite's own error, not translated by the engine
    STORAGE = "Storage"                   # the package's location could not be read or written
    OUT_OF_MEMORY = "OutOfMemory"
    USER_FAULT = "UserFault"              # any other error a user can act on
    INTERNAL = "Internal"                 # a bug: the worker's log has the trace


# Most specific first: the first class an error is an instance of decides its kind.
_KIND_BY_CLASS = (
    (NotFoundError, ErrorKind.NOT_FOUND), (FileNotFoundError, ErrorKind.NOT_FOUND),
    (NotABacpacError, ErrorKind.NOT_A_BACPAC), (ConflictError, ErrorKind.CONFLICT),
    (InvalidInputError, ErrorKind.INVALID_INPUT), (UnsupportedError, ErrorKind.UNSUPPORTED),
    (CancelledError, ErrorKind.CANCELLED), (EngineError, ErrorKind.ENGINE), (StorageError, ErrorKind.STORAGE),
    (BacpacError, ErrorKind.USER_FAULT), (OSError, ErrorKind.STORAGE), (sqlite3.Error, ErrorKind.SQLITE),
    (MemoryError, ErrorKind.OUT_OF_MEMORY),
)


def error_kind(error):
    """The ErrorKind of `error`, or None when it is not an error a user can act on (a bug)."""
    from .format.errors import BacpacFormatError, EncodeError
    if isinstance(error, InvalidInputError) and isinstance(_cause(error), BacpacFormatError):
        return ErrorKind.PACKAGE_REFUSED
    if isinstance(error, EncodeError):
        return ErrorKind.ENGINE           # a value the package format cannot hold: the source's data
    if isinstance(error, BacpacFormatError):
        return ErrorKind.BAD_PACKAGE
    for cls, kind in _KIND_BY_CLASS:
        if isinstance(error, cls):
            return kind
    return None


def _cause(error):
    return error.__cause__ if error.__cause__ is not None else error.__context__
