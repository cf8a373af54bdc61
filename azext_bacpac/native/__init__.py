"""Optional compiled fast paths (C, built by setup.py where a compiler and SQLite's headers exist).

Each module here does, for the common types, exactly what a pure-Python path of the package does,
byte for byte (tests compare the two), and hands everything else back to that path. Nothing
requires them: when one is missing, fails to load, or is turned off with the environment variable
BACPAC_NATIVE=0, the pure-Python path runs and the result is the same, only slower.

They work on the sqlite3 handle of a Python sqlite3.Connection (see sqlite_handle.h for the checks
that make sharing it safe): connection_ok() must be true for a connection before one is used.
"""
import importlib
import os
import sqlite3

ENVIRONMENT_SWITCH = "BACPAC_NATIVE"

_modules = {}


def enabled():
    return os.environ.get(ENVIRONMENT_SWITCH, "1").strip() not in ("0", "false", "no", "off")


def module(name):
    """The compiled module azext_bacpac.native.<name>, or None (not built, not loadable, turned off)."""
    if not enabled():
        return None
    if name not in _modules:
        _modules[name] = _import_module(name)
    return _modules[name]


def _import_module(name):
    try:
        handle = importlib.import_module(f"{__name__}._handle")
        if handle.sqlite_version != sqlite3.sqlite_version:
            return None
        return importlib.import_module(f"{__name__}.{name}")
    except ImportError:
        return None


def for_connection(name, conn, utf8=False):
    """module(name) when it may work on this connection (connection_ok), else None. With `utf8`,
    only for a UTF-8 database too: the modules read and write SQLite text as UTF-8."""
    compiled = module(name)
    if compiled is None or not connection_ok(conn):
        return None
    if utf8:
        try:
            encoding = conn.execute("PRAGMA encoding").fetchone()[0]
        except sqlite3.Error:
            return None
        if str(encoding).upper() != "UTF-8":
            return None
    return compiled


def connection_ok(conn):
    """True when the compiled modules may use this connection's handle (the same database file on
    both sides: the layout of the Python object is what we think it is)."""
    handle = module("_handle")
    if handle is None:
        return False
    try:
        expected = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), None)
        return expected is not None and handle.db_filename(conn) == (expected or "")
    except (sqlite3.Error, TypeError, ValueError):
        return False
