"""The engines, keyed by the form of --server: adding an engine touches no CLI module.

An engine package calls register(EngineClass) when it is imported. Every package under engines/
is imported the first time an engine is looked up (pkgutil), so a new folder that registers itself
is found without being named anywhere else. Lookups follow the order of registration; the engine
marked `default` answers a --server value that no engine claims by its scheme (a SQL Server name).
"""
from __future__ import annotations

import importlib
import pkgutil

from ..errors import InvalidInputError, UnsupportedError
from .base import Engine

_ENGINES: list[type[Engine]] = []
_discovered = False


def register(engine_class: type[Engine]) -> type[Engine]:
    """Add an engine (usable as a class decorator). Registering the same class again changes nothing."""
    if not (isinstance(engine_class, type) and issubclass(engine_class, Engine)):
        raise TypeError(f"{engine_class!r} is not an engines.base.Engine")
    if engine_class not in _ENGINES:
        _ENGINES.append(engine_class)
    return engine_class


def engines() -> list[type[Engine]]:
    """Every registered engine class, after importing every engine package."""
    _discover()
    return list(_ENGINES)


def engine_class(server: str) -> type[Engine]:
    """The engine class that answers --server `server`."""
    if not isinstance(server, str) or not server.strip():
        raise InvalidInputError("the server is empty; give sqlite:///<folder> for the embedded SQLite engine")
    candidates = engines()
    for cls in candidates:
        if cls.claims(server):
            return cls
    if "://" in server:
        hints = ", or ".join(c.address_hint for c in candidates if c.address_hint)
        raise UnsupportedError(f"there is no engine for '{server.split('://', 1)[0]}://' servers; use {hints}")
    for cls in candidates:
        if cls.default:
            return cls
    raise UnsupportedError(f"no engine answers the server '{server}'")


def open_engine(server: str, **options) -> Engine:
    """The engine for a --server value, opened with its options."""
    return engine_class(server).open(server, **options)


def _discover():
    global _discovered        # pylint: disable=global-statement
    if _discovered:
        return
    from .. import engines as package
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            importlib.import_module(f"{package.__name__}.{info.name}")
    _discovered = True
