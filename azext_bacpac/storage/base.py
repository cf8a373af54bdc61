"""The storage contract: where a package is read from and published to, with documented defaults.

A backend is a Location subclass registered with storage/registry.py; the pipelines use only what
this module declares. The tests in tests/storage/test_contract.py run against every registered backend.

  location = open_location(storage_uri, storage_key_type, storage_key)
  location.check_writable(overwrite)           before any data moves
  with location.writer(overwrite) as output:   output.file (a binary stream), output.commit()
                                               (leaving without commit() leaves nothing)
  location.open_read()                          a binary stream (seekable: zipfile reads the end first)
"""
from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, Iterable


class Location(abc.ABC):
    """One package location named by a --storage-uri value.

    `uri` is what summaries, records and logs show: it never holds a secret (no SAS query string).
    """
    name: ClassVar[str] = ""           # 'local', 'blob'
    default: ClassVar[bool] = False    # answers every URI that no other backend claims
    uri: str = ""

    @classmethod
    def claims(cls, storage_uri: str) -> bool:
        """True when this backend answers `storage_uri`. Default: False (only as the default)."""
        return False

    @classmethod
    def open(cls, storage_uri: str, storage_key_type: str | None = None,
             storage_key: str | None = None) -> "Location":
        """The location for `storage_uri`. Default: cls(storage_uri, storage_key_type, storage_key)."""
        return cls(storage_uri, storage_key_type, storage_key)

    @property
    def local_path(self) -> Path | None:
        """The package's path on this machine, when it is a local file that other processes may open
        themselves (the parallel import's decoder processes), else None. Default: None."""
        return None

    @abc.abstractmethod
    def open_read(self) -> BinaryIO:
        """The package for binary reading (NotFoundError when it does not exist)."""

    @abc.abstractmethod
    def size(self) -> int | None:
        """The package's size in bytes, or None when unknown."""

    @abc.abstractmethod
    def check_writable(self, overwrite: bool = False) -> None:
        """Fail early, before any data moves, when publishing could not succeed."""

    @abc.abstractmethod
    def writer(self, overwrite: bool = False) -> Any:
        """A context manager with .file (binary stream), .commit() and .discard()."""

    def check_not_source(self, source_files: Iterable[Path], database: str) -> None:
        """Refuse an output that is one of the files of the database being exported.
        Default: nothing to check (the location is not a local file)."""
