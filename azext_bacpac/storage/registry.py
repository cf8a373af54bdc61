"""The storage backends, keyed by the form of --storage-uri: adding one touches no CLI module.

A backend module calls register(LocationClass); every module of storage/ that defines a Location is
imported the first time a location is opened. The backend marked `default` (local files) answers a
--storage-uri that no other backend claims.
"""
from __future__ import annotations

import importlib

from .base import Location

_BACKENDS: list[type[Location]] = []
# The modules that hold backends: importing them registers them (blob.py imports no Azure SDK at
# module level, so this costs no start-up time).
BACKEND_MODULES = ("local", "blob")


def register(location_class: type[Location]) -> type[Location]:
    if not (isinstance(location_class, type) and issubclass(location_class, Location)):
        raise TypeError(f"{location_class!r} is not a storage.base.Location")
    if location_class not in _BACKENDS:
        _BACKENDS.append(location_class)
    return location_class


def backends() -> list[type[Location]]:
    for module in BACKEND_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    return list(_BACKENDS)


def location_class(storage_uri: str) -> type[Location]:
    candidates = backends()
    for cls in candidates:
        if not cls.default and cls.claims(storage_uri):
            return cls
    return next(cls for cls in candidates if cls.default)


def open_location(storage_uri: str, storage_key_type: str | None = None, storage_key: str | None = None) -> Location:
    """The storage location a --storage-uri value names.

    storage_key_type / storage_key are the credentials of backends that need them (--storage-key-type,
    --storage-key); local files ignore them.
    """
    return location_class(storage_uri).open(storage_uri, storage_key_type, storage_key)
