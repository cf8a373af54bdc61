"""Turn domain and format errors into azclierror classes (and so into az's exit codes).

Errors travel as kinds (errors.ErrorKind, decided by errors.error_kind): in this process straight
from the exception, from a worker through its operation record. AZ_ERRORS is the one table from
kind to azclierror class:

| kind (raised below the CLI)                        | azclierror                | exit |
| -------------------------------------------------- | ------------------------- | ---- |
| NotFound (errors.NotFoundError, FileNotFoundError) | ResourceNotFoundError     | 3    |
| Conflict, NotABacpac (errors.ConflictError)        | ValidationError           | 1    |
| InvalidInput (errors.InvalidInputError)            | InvalidArgumentValueError | 1    |
| PackageRefused (... raised from a format error)    | FileOperationError        | 1    |
| BadPackage (format.errors.BacpacFormatError)       | FileOperationError        | 1    |
| Unsupported (errors.UnsupportedError)              | ArgumentUsageError        | 1    |
| Cancelled (errors.CancelledError)                  | ManualInterrupt           | 1    |
| Engine (errors.EngineError, format EncodeError)    | BadRequestError           | 1    |
| SQLite (sqlite3.Error)                             | BadRequestError           | 1    |
| Storage (errors.StorageError, any other OSError)   | FileOperationError        | 1    |
| UserFault (errors.BacpacError, any other)          | UnclassifiedUserFault     | 1    |
| OutOfMemory (MemoryError)                          | UnclassifiedUserFault     | 1    |
| Internal (a worker's unexpected failure)           | CLIInternalError          | 1    |

An azclierror raised below passes through unchanged. Anything else is a bug and is left to az
(which prints a traceback as CLIInternalError): hiding bugs behind a friendly line helps nobody.
Messages are one line, and every secret the command was given is masked in them (redaction.py).
"""

from contextlib import contextmanager

from azext_bacpac.errors import OUT_OF_MEMORY, BacpacError, ErrorKind, error_kind
from azext_bacpac.redaction import scrub

FORMAT_HINT = 'The file is not a readable BACPAC. Check --storage-uri, or export the database again.'


def one_line(text):
    return ' '.join(str(text).split())


def az_error_class(kind):
    """The azclierror class of an ErrorKind (or of its string value, as records store it)."""
    from azure.cli.core import azclierror as az
    table = {
        ErrorKind.NOT_FOUND: az.ResourceNotFoundError, ErrorKind.CONFLICT: az.ValidationError,
        ErrorKind.NOT_A_BACPAC: az.ValidationError, ErrorKind.INVALID_INPUT: az.InvalidArgumentValueError,
        ErrorKind.PACKAGE_REFUSED: az.FileOperationError, ErrorKind.BAD_PACKAGE: az.FileOperationError,
        ErrorKind.UNSUPPORTED: az.ArgumentUsageError, ErrorKind.CANCELLED: az.ManualInterrupt,
        ErrorKind.ENGINE: az.BadRequestError, ErrorKind.SQLITE: az.BadRequestError,
        ErrorKind.STORAGE: az.FileOperationError, ErrorKind.USER_FAULT: az.UnclassifiedUserFault,
        ErrorKind.OUT_OF_MEMORY: az.UnclassifiedUserFault, ErrorKind.INTERNAL: az.CLIInternalError,
    }
    try:
        return table[ErrorKind(kind)]
    except ValueError:
        return az.UnclassifiedUserFault       # a kind this version does not know (a newer worker's)


# A recommendation line for some kinds; a command may give its own (hints=).
RECOMMENDATIONS = {ErrorKind.BAD_PACKAGE: FORMAT_HINT}


def to_azclierror(ex, secrets=(), hints=None):
    """The azclierror instance for `ex`, or None when `ex` is not ours to translate.

    `hints` maps an ErrorKind to a recommendation line that the calling command knows better
    (e.g. "use --overwrite")."""
    from azure.cli.core import azclierror as az
    if isinstance(ex, az.AzCLIError):
        return ex
    kind = error_kind(ex)
    if kind is None:
        return None
    return az_error(kind, _message(ex, kind, secrets), hints)


def az_error(kind, message, hints=None):
    """The azclierror for a failure of `kind` with a one-line `message` (secrets already removed)."""
    recommendation = (hints or {}).get(kind) or RECOMMENDATIONS.get(kind)
    return az_error_class(kind)(message, recommendation)


def _message(ex, kind, secrets):
    if isinstance(ex, OSError) and not isinstance(ex, BacpacError):
        return _os_message(ex, secrets)
    if kind == ErrorKind.SQLITE:
        return 'SQLite: ' + one_line(scrub(str(ex) or type(ex).__name__, secrets))
    if kind == ErrorKind.OUT_OF_MEMORY and not str(ex):
        return OUT_OF_MEMORY
    return one_line(scrub(str(ex) or type(ex).__name__, secrets))


def _os_message(ex, secrets):
    if ex.filename is not None and ex.strerror:
        return one_line(scrub('{}: {}'.format(ex.strerror, ex.filename), secrets))
    return one_line(scrub(str(ex), secrets))


@contextmanager
def translated_errors(secrets=(), hints=None):
    """Run the body; re-raise a domain/format/OS error as its azclierror (no chained traceback)."""
    try:
        yield
    except Exception as ex:  # pylint: disable=broad-except
        mapped = to_azclierror(ex, secrets, hints)
        if mapped is None:
            raise
        if mapped is ex:
            raise
        raise mapped from None
