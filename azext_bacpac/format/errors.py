"""Errors raised by the format layer.

Every error names the part of the package it concerns (an entry, a table, a column) so that the
CLI can print one clear line. None of them carries data values beyond what is needed to locate
the problem.
"""


class BacpacFormatError(Exception):
    """Base class: the package cannot be read or written as asked."""


class PackageError(BacpacFormatError):
    """The ZIP container or one of its parts is missing, malformed or unsafe."""


class MissingPartError(PackageError):
    """A required part (model.xml, Origin.xml, ...) is absent."""


class UnsafeEntryError(PackageError):
    """An entry name or size that a well-formed BACPAC never has ('..', absolute paths, bombs)."""


class PackageTooLargeError(UnsafeEntryError):
    """The entries declare more uncompressed bytes in all than the reader's limit (max_total_bytes)."""

    def __init__(self, message, declared=None, limit=None):
        super().__init__(message)
        self.declared, self.limit = declared, limit


class ModelTooLargeError(UnsafeEntryError):
    """model.xml is larger than the reader's limit (max_model_bytes)."""


class ChecksumMismatchError(PackageError):
    """Origin.xml's model.xml checksum does not match the stored model.xml bytes."""


class ModelError(BacpacFormatError):
    """model.xml (or another XML part) cannot be parsed or does not describe what it must."""


class DataError(BacpacFormatError):
    """A table's BCP data is truncated, inconsistent with its columns, or otherwise corrupt."""


class EncodeError(BacpacFormatError):
    """A value cannot be encoded for its column (wrong type, out of range, NULL in NOT NULL)."""
