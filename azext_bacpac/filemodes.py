"""The permissions of the files the extension writes.

A BACPAC and an imported SQLite database are the user's data files, like the files cp, tar or sqlite3
write: they follow the umask (0666 & ~umask: -rw-r--r-- under umask 022, -rw------- under 077), and a
file replaced in place (--overwrite, an empty database imported into) keeps the permissions it had, as
`cp` onto an existing file does. While still being written they are private (0600): nobody reads a
half-written file. The operation store, the workers' logs and secrets stay 0600 whatever the umask
(operations/store.py, operations/runner.py).

Nothing here changes the process umask: reading it by setting it is not thread-safe, and a worker
writes its record from a heartbeat thread while its main thread creates files.
"""
import os
import stat
import threading

PRIVATE = 0o600
_SHARED = 0o666
_read_lock = threading.Lock()


def current_umask():
    """The process umask, read without changing it where the system says it (Linux 4.7+: /proc)."""
    try:
        with open('/proc/self/status', encoding='ascii', errors='replace') as status:
            for line in status:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _read_lock:                # elsewhere: set and restore, one thread at a time
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def published_mode(path):
    """The permission bits a data file published at `path` gets: those of the regular file it replaces,
    else 0666 & ~umask."""
    try:
        existing = os.stat(path)
        if stat.S_ISREG(existing.st_mode):
            return stat.S_IMODE(existing.st_mode)
    except OSError:
        pass
    return _SHARED & ~current_umask()


def publish_mode(temp_path, final_path):
    """Give the finished temporary file `temp_path` the permissions of a file published at `final_path`."""
    os.chmod(temp_path, published_mode(final_path))
