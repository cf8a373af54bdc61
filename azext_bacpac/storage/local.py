"""Local files as BACPAC storage: resolving --storage-uri values, reading, publishing atomically.

A package is never written in place. Export writes a temporary file beside the destination
(`.<name>.<pid>-<random>.partial`, readable by the user only) and publishes it only once the
package is complete, with the permissions the umask gives or those of the file it replaces
(filemodes.py): with os.link when the destination must not be overwritten (the link fails if
a file appeared meanwhile, so two exports never clobber each other), with os.replace otherwise.
A failed or cancelled export removes the temporary file and leaves the destination as it was.
An export killed outright (kill -9, power loss) cannot; the next export to the same destination
removes temporary files whose process is gone. A full disk is a StorageError naming the file.
"""
import errno
import glob
import os
import re
import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import ConflictError, InvalidInputError, NotABacpacError, NotFoundError, StorageError, UnsupportedError
from ..processes import pid_alive
from ..filemodes import PRIVATE, publish_mode
from . import filekinds
from .base import Location
from .registry import register

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.S)
URL_NOT_A_PATH = ("an http(s) URL is not a local file path; an Azure Blob Storage URL needs a host "
                  "(https://<account>.blob.core.windows.net/<container>/<name>.bacpac)")


def resolve_path(storage_uri):
    """The local path that a --storage-uri value names.

    Accepted: a plain path (relative to the current folder, `~` expanded) and file URIs
    (`file:///abs/path`, `file://localhost/abs/path`, `file:/abs/path`, percent-decoded).
    http(s) URLs belong to the blob backend (storage/blob.py) and are refused here; any other
    `scheme://` is refused. A one-letter scheme is a Windows drive (`C:\\x.bacpac`).
    """
    if not isinstance(storage_uri, str) or not storage_uri.strip():
        raise InvalidInputError("the storage URI is empty; give a local path or a file:// URI")
    if "\x00" in storage_uri:
        raise InvalidInputError("the storage URI contains a NUL character")
    match = _SCHEME.match(storage_uri)
    if match and len(match.group(1)) > 1:
        scheme, rest = match.group(1).lower(), match.group(2)
        if scheme in ("http", "https"):
            raise UnsupportedError(URL_NOT_A_PATH)
        if scheme == "file":
            return _file_uri_path(storage_uri)
        if rest.startswith("//"):
            raise InvalidInputError(f"storage URI scheme '{scheme}' is not supported; give a local path "
                                    f"or a file:// URI")
        # Otherwise a plain file name that happens to hold a colon ('backup:1.bacpac').
    return Path(os.path.expanduser(storage_uri))


def _file_uri_path(uri):
    parts = urlsplit(uri)
    if parts.query or parts.fragment:
        raise InvalidInputError(f"file URI {uri!r} has a query or fragment; percent-encode '?' and '#' "
                                f"in file names")
    if parts.netloc not in ("", "localhost"):
        raise InvalidInputError(f"file URI {uri!r} names the host '{parts.netloc}'; only local files "
                                f"are supported (file:///path)")
    path = unquote(parts.path)
    if sys.platform == "win32" and re.match(r"^/[A-Za-z]:", path):
        path = path[1:]                  # file:///C:/x -> C:/x
    if not path or not os.path.isabs(path):
        raise InvalidInputError(f"file URI {uri!r} does not hold an absolute path (use file:///abs/path "
                                f"or a plain relative path)")
    return Path(path)


@register
class LocalFile(Location):
    """A BACPAC location on the local file system (the default backend)."""
    name = "local"
    default = True

    def __init__(self, storage_uri, storage_key_type=None, storage_key=None):
        del storage_key_type, storage_key      # a local file needs no credentials
        self.uri = storage_uri
        self.path = resolve_path(storage_uri)

    @property
    def local_path(self):
        return self.path

    def __str__(self):
        return str(self.path)

    # -- reading -------------------------------------------------------------------------------
    def open_read(self):
        """The package opened for binary reading (NotFoundError when it does not exist)."""
        try:
            return filekinds.open_regular(self.path)
        except FileNotFoundError:
            if os.path.lexists(self.path):
                raise filekinds.dangling(self.path) from None
            raise NotFoundError(f"BACPAC file {self.path} not found") from None
        except IsADirectoryError:
            raise InvalidInputError(f"{self.path} is a folder; give the BACPAC file's name") from None
        except OSError as error:
            raise StorageError(f"cannot read {self.path}: {error.strerror or error}") from None

    def size(self):
        try:
            return self.path.stat().st_size
        except OSError:
            return None

    # -- writing -------------------------------------------------------------------------------
    def check_writable(self, overwrite=False):
        """Fail early, before any data moves, when publishing could not succeed."""
        folder = self.path.parent
        if not folder.is_dir():
            raise NotFoundError(f"folder {folder} does not exist (it must exist before the export)")
        if self.path.is_dir():
            raise InvalidInputError(f"{self.path} is a folder; give the BACPAC file's name")
        if filekinds.check_output(self.path) is not None and not overwrite:
            kind = filekinds.describe_existing(self.path)
            if kind != "a BACPAC":
                raise NotABacpacError(f"{self.path} already exists and is {kind}, not a BACPAC; choose another "
                                      f"name")
            raise ConflictError(f"{self.path} already exists; choose another name or allow overwriting")

    def check_not_source(self, source_files, database):
        """Refuse an output that is the database being exported (or one of its files), however the two
        are spelled: the same file by device and inode, through links, relative paths, '..'."""
        try:
            output = os.stat(self.path)
        except OSError:
            return
        for source in source_files:
            try:
                status = os.stat(source)
            except OSError:
                continue
            if (status.st_dev, status.st_ino) == (output.st_dev, output.st_ino):
                raise InvalidInputError(f"{self.path} is the database '{database}' being exported ({source}); "
                                        f"give the BACPAC another name")

    def writer(self, overwrite=False):
        self.check_writable(overwrite)
        return AtomicFileWriter(self.path, overwrite)


class AtomicFileWriter:
    """A temporary file beside `path` that becomes `path` only on commit().

    Use as a context manager; leaving the block without commit() (an error, a cancel) removes the
    temporary file.
    """

    def __init__(self, path, overwrite=False):
        self.path = Path(path)
        self.overwrite = overwrite
        self.temp_path = self.path.with_name(f".{self.path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
        self.file = None
        self.committed = False

    def __enter__(self):
        _remove_stale_partials(self.path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.temp_path, flags, PRIVATE)      # private until complete
        except OSError as error:
            raise StorageError(f"cannot create a file in {self.path.parent}: {error.strerror or error}") from None
        self.file = os.fdopen(fd, "wb")
        return self

    def commit(self):
        """Make the complete file durable and publish it under its final name."""
        try:
            self.file.flush()
            publish_mode(self.temp_path, self.path)           # the umask's, or the replaced file's
            os.fsync(self.file.fileno())
            self.file.close()
            if self.overwrite:
                os.replace(self.temp_path, self.path)
            else:
                _publish_without_overwrite(self.temp_path, self.path)
        except (ConflictError, StorageError):
            raise
        except OSError as error:
            raise StorageError(f"cannot write {self.path}: {error.strerror or error}") from None
        self.committed = True
        _sync_folder(self.path.parent)

    def discard(self):
        if self.file is not None and not self.file.closed:
            self.file.close()
        try:
            os.unlink(self.temp_path)
        except FileNotFoundError:
            pass

    def __exit__(self, exc_type, exc, tb):
        if not self.committed:
            self.discard()
            if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
                # Raised while writing the package (full disk, quota, I/O error): name the file.
                raise StorageError(f"cannot write {self.path}: {exc.strerror or exc}; nothing was published "
                                   f"and the temporary file was removed") from None


_STORAGE_ERRNOS = {getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EIO", "EFBIG", "EROFS", "EACCES", "EPERM")
                   if hasattr(errno, name)}
_PARTIAL = re.compile(r"(\d+)-[0-9a-f]{8}\.partial")


def _remove_stale_partials(path):
    """Temporary files of exports to `path` whose process is gone (killed: it could not clean up)."""
    prefix = f".{path.name}."
    for candidate in glob.glob(os.path.join(glob.escape(str(path.parent)), glob.escape(prefix) + "*.partial")):
        match = _PARTIAL.fullmatch(os.path.basename(candidate)[len(prefix):])
        if match is None or int(match.group(1)) == os.getpid():
            continue
        if pid_alive(int(match.group(1))):
            continue                     # alive (or another user's, or no way to tell): not ours to remove
        try:
            os.unlink(candidate)
        except OSError:
            pass


def _publish_without_overwrite(temp_path, path):
    """Give temp_path the name `path`, failing if `path` exists (atomically where links work)."""
    try:
        os.link(temp_path, path)
    except FileExistsError:
        raise ConflictError(f"{path} already exists; choose another name or allow overwriting") from None
    except (OSError, AttributeError) as error:
        # File systems without hard links (some network shares, FAT): check, then rename.
        if isinstance(error, OSError) and error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP,
                                                              errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        if os.path.lexists(path):
            raise ConflictError(f"{path} already exists; choose another name or allow overwriting") from None
        os.replace(temp_path, path)
        return
    os.unlink(temp_path)


def _sync_folder(folder):
    """Make the new directory entry durable (POSIX); harmless to skip where unsupported."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
