"""Where packages live. Today: local files (plain paths and file:// URIs).

Azure Blob Storage comes in its own issue; until then its URIs are recognised and refused with
UnsupportedError, so that users get a clear message rather than "file not found".
"""
from .local import BLOB_UNSUPPORTED, AtomicFileWriter, LocalFile, resolve_path


def open_location(storage_uri, storage_key_type=None, storage_key=None):
    """The storage location a --storage-uri value names (the one place that picks the kind of storage).

    storage_key_type / storage_key are the blob credentials (--storage-key-type, --storage-key);
    local files need none and ignore them.
    """
    return LocalFile(storage_uri)


__all__ = ["open_location", "LocalFile", "AtomicFileWriter", "resolve_path", "BLOB_UNSUPPORTED"]
