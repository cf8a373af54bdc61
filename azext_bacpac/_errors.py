"""Turn domain and format errors into azclierror classes (and so into az's exit codes).

| raised below the CLI                 | azclierror                | exit |
| ------------------------------------ | ------------------------- | ---- |
| errors.NotFoundError                 | ResourceNotFoundError     | 3    |
| FileNotFoundError                    | ResourceNotFoundError     | 3    |
| errors.ConflictError                 | ValidationError           | 1    |
| errors.InvalidInputError             | InvalidArgumentValueError | 1    |
|   ... raised from a format error     | FileOperationError        | 1    |
| errors.UnsupportedError              | ArgumentUsageError        | 1    |
| errors.CancelledError                | ManualInterrupt           | 1    |
| errors.EngineError                   | BadRequestError           | 1    |
| errors.StorageError                  | FileOperationError        | 1    |
| errors.BacpacError (any other)       | UnclassifiedUserFault     | 1    |
| format.errors.EncodeError            | BadRequestError           | 1    |
| format.errors.BacpacFormatError      | FileOperationError        | 1    |
| OSError (any other)                  | FileOperationError        | 1    |
| sqlite3.Error                        | BadRequestError           | 1    |
| MemoryError                          | UnclassifiedUserFault     | 1    |

An azclierror raised below passes through unchanged. Anything else is a bug and is left to az
(which prints a traceback as CLIInternalError): hiding bugs behind a friendly line helps nobody.
Messages are one line, and every secret the command was given is blanked out of them.
"""

from contextlib import contextmanager

FORMAT_HINT = 'The file is not a readable BACPAC. Check --storage-uri, or export the database again.'


def scrub(text, secrets):
    """`text` with every secret (of 4+ characters) replaced by ''. Short secrets are left alone:
    blanking e.g. 'a' would mangle the message while protecting nothing."""
    if not isinstance(text, str):
        return text
    for secret in secrets or ():
        if secret and len(secret) >= 4:
            text = text.replace(secret, '')
    return text


def one_line(text):
    return ' '.join(str(text).split())


def to_azclierror(ex, secrets=(), hints=None):
    """The azclierror instance for `ex`, or None when `ex` is not ours to translate.

    `hints` maps a domain class name ('ConflictError', ...) to a recommendation line that the
    calling command knows better (e.g. "use --overwrite")."""
    import sqlite3
    from azure.cli.core import azclierror as az
    from azext_bacpac import errors as dom
    from azext_bacpac.format import errors as fmt

    if isinstance(ex, az.AzCLIError):
        return ex
    message = one_line(scrub(str(ex) or type(ex).__name__, secrets))
    recommendation = None
    if isinstance(ex, dom.NotFoundError):
        cls = az.ResourceNotFoundError
    elif isinstance(ex, dom.ConflictError):
        cls = az.ValidationError
    elif isinstance(ex, dom.InvalidInputError) and isinstance(_cause(ex), fmt.BacpacFormatError):
        cls = az.FileOperationError          # e.g. a checksum mismatch refused by import
    elif isinstance(ex, dom.InvalidInputError):
        cls = az.InvalidArgumentValueError
    elif isinstance(ex, dom.UnsupportedError):
        cls = az.ArgumentUsageError
    elif isinstance(ex, dom.CancelledError):
        cls = az.ManualInterrupt
    elif isinstance(ex, dom.EngineError):
        cls = az.BadRequestError
    elif isinstance(ex, dom.StorageError):
        cls = az.FileOperationError
    elif isinstance(ex, dom.BacpacError):
        cls = az.UnclassifiedUserFault
    elif isinstance(ex, fmt.EncodeError):
        cls = az.BadRequestError
    elif isinstance(ex, fmt.BacpacFormatError):
        cls = az.FileOperationError
        recommendation = FORMAT_HINT
    elif isinstance(ex, FileNotFoundError):
        cls = az.ResourceNotFoundError
        message = _os_message(ex, secrets)
    elif isinstance(ex, OSError):
        cls = az.FileOperationError
        message = _os_message(ex, secrets)
    elif isinstance(ex, sqlite3.Error):
        cls = az.BadRequestError
        message = 'SQLite: ' + message
    elif isinstance(ex, MemoryError):
        cls = az.UnclassifiedUserFault
        message = one_line(scrub(str(ex), secrets)) if str(ex) else dom.OUT_OF_MEMORY
    else:
        return None
    for klass in type(ex).__mro__:
        if hints and klass.__name__ in hints:
            recommendation = hints[klass.__name__]
            break
    return cls(message, recommendation)


def _cause(ex):
    """The exception `ex` was raised from or while handling, if any."""
    return ex.__cause__ if ex.__cause__ is not None else ex.__context__


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
