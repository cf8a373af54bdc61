"""What a local path is, before a package is read from it or written over it.

Only a regular file may be a package. A FIFO would block a reader until someone writes to it, a
character device such as /dev/zero never ends, a block device is a whole disk, and replacing any of
them with a regular file (--overwrite) would destroy something that is not a BACPAC. Each check
says what the path is instead, in one line.
"""
import os
import stat

from ..errors import InvalidInputError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_SIGNATURES = ((b"PK\x03\x04", "a ZIP file"), (b"PK\x05\x06", "a ZIP file"),
               (b"SQLite format 3\x00", "an SQLite database"))


def kind_of(mode):
    """'a FIFO (named pipe)', 'a character device', ... for a st_mode that is not a regular file."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def not_a_file(path, mode, verb):
    if stat.S_ISDIR(mode):
        return InvalidInputError(f"{path} is a folder; give the BACPAC file's name")
    return InvalidInputError(f"{path} is {kind_of(mode)}, not a file: a BACPAC can only be {verb} a regular file")


def dangling(path):
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return InvalidInputError(f"{path} is a symbolic link to {target}, which does not exist")


def open_regular(path):
    """A binary file object for reading a regular file; anything else is refused before it is read.

    The path is opened without blocking (a FIFO would otherwise wait for a writer) and checked on
    the open descriptor, so a path swapped for a FIFO or a device after a check is refused too.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_a_file(path, mode, "read from")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_output(path):
    """Refuse an output path that exists and is not a regular file (a device, a FIFO, a folder, a
    socket) or that is a symbolic link to nothing. Returns os.stat of an existing file, else None."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise dangling(path) from None
        return None
    if not stat.S_ISREG(status.st_mode):
        raise not_a_file(path, status.st_mode, "written to")
    return status


def describe_existing(path):
    """'a BACPAC' for a file that may be one (a ZIP package), else what it appears to be."""
    try:
        with open(path, "rb") as existing:
            head = existing.read(16)
    except OSError:
        return "a file that cannot be read"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return "a BACPAC" if kind == "a ZIP file" else kind
    return "an empty file" if not head else "a file that is not a BACPAC"
