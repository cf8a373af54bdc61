"""Where packages live: local files (plain paths, file:// URIs) and Azure Blob Storage (https URLs).

The contract is storage/base.py (Location); storage/registry.py picks the backend by the form of
--storage-uri: LocalFile (storage/local.py, the default) and BlobFile (storage/blob.py).
"""
from .base import Location
from .local import URL_NOT_A_PATH, AtomicFileWriter, LocalFile, resolve_path
from .registry import backends, location_class, open_location, register

__all__ = ["open_location", "location_class", "backends", "register", "Location", "LocalFile", "AtomicFileWriter",
           "resolve_path", "URL_NOT_A_PATH"]
