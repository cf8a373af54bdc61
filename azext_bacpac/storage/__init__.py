"""Where packages live: local files (plain paths, file:// URIs) and Azure Blob Storage (https URLs).

Both kinds offer the same small interface (LocalFile / BlobFile): check_writable(overwrite),
writer(overwrite) -> .file / .commit(), open_read(), size(), and a `uri` without secrets.
"""
from .local import BLOB_UNSUPPORTED, AtomicFileWriter, LocalFile, resolve_path


def open_location(storage_uri, storage_key_type=None, storage_key=None):
    """The storage location a --storage-uri value names (the one place that picks the kind of storage).

    storage_key_type / storage_key are the blob credentials (--storage-key-type, --storage-key);
    local files need none and ignore them.
    """
    from .blob import is_blob_uri
    if is_blob_uri(storage_uri):
        from .blob import BlobFile
        return BlobFile(storage_uri, storage_key_type, storage_key)
    return LocalFile(storage_uri)


__all__ = ["open_location", "LocalFile", "AtomicFileWriter", "resolve_path", "BLOB_UNSUPPORTED"]
