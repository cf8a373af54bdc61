"""Database engines: where exports read rows from and imports write rows to.

The contract every engine implements is engines/base.py (Engine, ExportSource, ImportTarget,
TableLoader, with documented defaults); engines/registry.py picks the engine by the form of --server:

  sqlite:///<folder>                 the embedded SQLite engine (engines/sqlite.py): each database is
                                     the file <folder>/<name>.sqlite
  myserver, host, host,port, tcp:... SQL Server / Azure SQL (engines/sqlserver/), the default for
                                     a value without a scheme

Engines know nothing of the CLI or of storage. To add an engine, add a package here whose
`__init__` registers its Engine subclass; tests/engines/test_contract.py then runs on it.
"""
from .base import Capabilities, Engine, ExportSource, ImportTarget, RowReader, TableLoader
from .registry import engine_class, engines, open_engine, register
from .sqlite import SQLITE_PREFIX, SqliteEngine, sqlite_folder

__all__ = ["open_engine", "engine_class", "engines", "register", "Engine", "Capabilities", "ExportSource",
           "ImportTarget", "RowReader", "TableLoader", "sqlite_folder", "SqliteEngine", "SQLITE_PREFIX"]
