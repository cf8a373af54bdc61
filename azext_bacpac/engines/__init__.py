"""Database engines: where exports read rows from and imports write rows to.

An engine is chosen by the --server value (open_engine): `sqlite:///<folder>` is the embedded SQLite
engine; a server name (`myserver` = myserver.database.windows.net, a host, `host,port`) is SQL Server /
Azure SQL (engines/sqlserver/). Every engine offers the same two objects, which is all the pipelines
use (and, optionally, `engine.preflight(database, direction, model)` -> permission checks):

  engine.export_source(database) -> context manager with
      .model (format.model.Model, every table), .model_bytes (exact model.xml to write, or None),
      .model_bom, .model_source, .warnings, .table_names (model order), .origin() (an Origin),
      .row_count(full_name), .row_batches(full_name) -> lists of codec-ready row tuples
    optional, for the parallel export pipeline (pipelines/parallel.py; engines without them
    export in one process, unchanged):
      .row_batches(full_name, part=key) -> the rows of one part only
      .partitions(full_name, rows_per_part) -> opaque picklable part keys in row order ([None]: whole)
      .parallel_reader() -> picklable context manager (or None) that a worker process enters to get
          a reader with .row_batches(full_name, part=key) in the SAME snapshot as this source
      .encoded_batches(full_name, codec, part, encode) -> (BCP bytes, row count) batches, on the
          source and on its parallel reader: rows encoded by the engine itself (SQLite: the compiled
          encoder of native/_encode.c), encode(rows, rows before them) for the rest; without it the
          pipeline encodes row_batches itself
  engine.import_target(database) -> context manager with
      .check_target(), .create_schema(model, tables), .table_loader(full_name).insert(rows),
      (optional, for decoder processes that hand over rows ready to insert (pipelines/parallel_import.py):
       loader.decode_spec() -> picklable (RowCodec decoders {column: fn}, (width, outputs) of the row
       mapper applied after them), or loader.mapper_spec() -> (width, outputs) alone; the pipeline
       then sets loader.mapped_elsewhere = True and insert() skips its own mapping)
      .finish(package_parts) -> warnings (package_parts: {'model.xml': bytes or format.package.PartSource,
       'Origin.xml': bytes, 'DacMetadata.xml': bytes}), .commit() (publishes; leaving without it discards)

Engines know nothing of the CLI or of storage.

SQLite addressing: `sqlite:///<folder>` names a folder whose databases are `<folder>/<name>.sqlite`.
After `sqlite://` comes the path with one leading '/' removed, as in SQLAlchemy:
  sqlite:///data         ./data (relative to the current folder)
  sqlite:///./data       ./data
  sqlite:////srv/data    /srv/data (absolute: four slashes)
  sqlite:///C:/data      C:\\data (Windows)
  sqlite:///~/data       <home>/data
For convenience `sqlite:///srv/data` also means /srv/data when ./srv/data does not exist but
/srv/data does. Anything else after `sqlite:` (a host, no path) is an InvalidInputError.
"""
import os
from pathlib import Path

from ..errors import InvalidInputError, UnsupportedError
from .sqlite import SqliteEngine

SQLITE_PREFIX = "sqlite://"


def sqlite_folder(server):
    """The folder a `sqlite:///...` server string names (see the module docstring)."""
    rest = server[len(SQLITE_PREFIX):]
    if not rest.startswith("/"):
        raise InvalidInputError(f"'{server}' is not a SQLite folder URL: use sqlite:///<relative folder> or "
                                f"sqlite:////<absolute folder> (no host name)")
    path = rest[1:]
    if not path:
        raise InvalidInputError(f"'{server}' names no folder: use sqlite:///<relative folder> or "
                                f"sqlite:////<absolute folder>")
    if "\x00" in path:
        raise InvalidInputError("the server URL contains a NUL character")
    path = os.path.expanduser(path)
    if not os.path.isabs(path) and not os.path.exists(path) and os.path.isdir("/" + path):
        return Path("/" + path)
    return Path(path)


def open_engine(server, **options):
    """The engine for a --server value."""
    if not isinstance(server, str) or not server.strip():
        raise InvalidInputError("the server is empty; give sqlite:///<folder> for the embedded SQLite engine")
    if server[:len(SQLITE_PREFIX)].lower() == SQLITE_PREFIX:
        return SqliteEngine(sqlite_folder(server), server, **options)
    if server.lower().startswith("sqlite:"):
        raise InvalidInputError(f"'{server}' is not a SQLite folder URL: use sqlite:///<folder>")
    if "://" in server:
        raise UnsupportedError(f"there is no engine for '{server.split('://', 1)[0]}://' servers; use a SQL Server / "
                               f"Azure SQL server name, or -s sqlite:///<folder> for the embedded SQLite engine")
    from .sqlserver import SqlServerEngine
    return SqlServerEngine(server, **options)


__all__ = ["open_engine", "sqlite_folder", "SqliteEngine"]
