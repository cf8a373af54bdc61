"""What goes wrong with the operation store itself, said in one line that names the file and the fix.

A damaged store (not a database, truncated, garbage) is kept aside under a new name, never deleted:
it holds the user's history. A store that cannot be opened or written (a directory in its place, a
read-only file or folder) or that another process keeps locked is an error with what to do.
"""
import os
import sqlite3
import time

from ..errors import BacpacError

MOVE_HINT = "or set AZEXT_BACPAC_OPERATIONS_DIR to another folder"


class StoreError(BacpacError):
    """The operation store cannot be used (named in the message, with what to do)."""


def is_damaged(error):
    """True for SQLite's words for a file that is not (or no longer) a database."""
    text = str(error).lower()
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text) or "disk image is malformed" in text


def set_aside(path):
    """Move a damaged store (and its -wal / -shm files) to <path>.damaged-<time>; returns the new name."""
    aside = f"{path}.damaged-{time.strftime('%Y%m%dT%H%M%S')}"
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, aside + suffix)
    return aside


def explain(path, error, busy_seconds):
    """The StoreError for a sqlite3 error met while using the store at `path`."""
    text = str(error).lower()
    if os.path.isdir(path):
        return StoreError(f"cannot open the operation store {path}: it is a directory. Move it away, {MOVE_HINT}.")
    if "locked" in text or "busy" in text:
        return StoreError(f"the operation store {path} is locked by another process for more than {busy_seconds:.0f} s: "
                          f"try again when it ends (`fuser {path}` names it), {MOVE_HINT}.")
    if "readonly" in text or "read-only" in text or not os.access(os.path.dirname(path) or ".", os.W_OK) \
            or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return StoreError(f"the operation store {path} is not writable: give yourself write access to it and its "
                          f"folder (chmod u+w), {MOVE_HINT}.")
    return StoreError(f"cannot use the operation store {path}: {' '.join(str(error).split())}. Check the file and "
                      f"its folder, {MOVE_HINT}.")
