"""The engine contract: what every database engine offers the pipelines, with documented defaults.

An engine is a package under engines/ (engines/sqlserver/, the embedded SQLite engine) that defines
one `Engine` subclass and registers it (engines/registry.py). The pipelines and the CLI use only what
this module declares. Like alembic's DefaultImpl and its dialects, every hook below has a default
that is right for a plain engine; an engine overrides only what differs:

  Engine                  one --server value: export_source(db), import_target(db), preflight(...)
    ExportSource          one consistent read of a database: its model and its rows
      RowReader           rows of tables (also what a parallel worker process reads with)
    ImportTarget          one database being built: schema, loaders, finish, commit (or undo)
      TableLoader         the rows of one table

The tests in tests/engines/test_contract.py run against every registered engine.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Iterator, Sequence


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, for the CLI's validation and the pipelines' choices.

    embedded: the database is a local file the engine opens itself (no sign-in, no network).
    signs_in: it takes --admin-user / --admin-password / --auth-type.
    database_options: it honours --edition, --service-objective and --max-size on import.
    always_encrypted: it moves Always Encrypted columns as ciphertext (and has a permission preflight).
    """
    embedded: bool = False
    signs_in: bool = False
    database_options: bool = False
    always_encrypted: bool = False


class Engine(abc.ABC):
    """A database engine reached by one --server value.

    Class attributes an engine sets:
      name          short name ('sqlite', 'sqlserver') of the registry;
      title         what messages call it ('embedded SQLite', 'SQL Server');
      schemes       the URL schemes of --server it answers (`sqlite` for sqlite:///...); an engine
                    with `default = True` answers every value without a scheme (SQL Server names);
      capabilities  a Capabilities;
      options       the engine options (keyword arguments of open) the CLI may pass it; any other
                    option is a programming error, never silently dropped;
      address_hint  how a user names a server of this engine, for error messages.
    """
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    address_hint: ClassVar[str] = ""
    schemes: ClassVar[tuple[str, ...]] = ()
    default: ClassVar[bool] = False
    capabilities: ClassVar[Capabilities] = Capabilities()
    options: ClassVar[frozenset[str]] = frozenset()

    # -- addressing (class level: used before any connection) ---------------------------------
    @classmethod
    def claims(cls, server: str) -> bool:
        """True when this engine answers `server`: its scheme is one of `schemes`."""
        scheme, sep, _ = server.strip().partition("://")
        if sep:
            return scheme.lower() in cls.schemes
        return any(server.strip().lower().startswith(s + ":") for s in cls.schemes)

    @classmethod
    def open(cls, server: str, **options: Any) -> "Engine":
        """The engine for `server`, after checking that every option is one of `options`."""
        unknown = sorted(set(options) - cls.options)
        if unknown:
            raise TypeError(f"{cls.__name__} takes no option(s) {', '.join(unknown)}")
        return cls.from_server(server, **options)

    @classmethod
    def from_server(cls, server: str, **options: Any) -> "Engine":
        """Hook: construct the engine for `server`. Default: cls(server, **options)."""
        return cls(server, **options)

    @classmethod
    def check_address(cls, server: str, database: str) -> None:
        """Refuse (InvalidInputError) a server or database name this engine cannot address, before
        anything starts: no connection is made and no file is opened. Default: nothing to check."""

    @classmethod
    def target_identity(cls, server: str, database: str) -> str:
        """A canonical string naming the database, so two spellings of one target are one
        (the one-operation-per-database guard). Default: the strings as typed."""
        return f"{server}|{database}"

    @classmethod
    def scratch_patterns(cls, server: str, database: str, pid: int) -> list[str]:
        """Absolute glob patterns of files an import by process `pid` writes before it publishes
        (removed when that worker is found dead). Default: none (a server keeps its own)."""
        return []

    # -- the work ------------------------------------------------------------------------------
    @abc.abstractmethod
    def export_source(self, database: str) -> "ExportSource":
        """A context manager: one consistent read of `database`."""

    @abc.abstractmethod
    def import_target(self, database: str) -> "ImportTarget":
        """A context manager: `database` being built; left without commit(), it is undone."""

    def preflight(self, database: str, direction: str, model: Any = None) -> list[dict]:
        """Permission checks before any data moves: [{permission, granted, required}].
        Default: none (an engine without sign-in has nothing to check)."""
        return []

    def database_files(self, database: str) -> list:
        """Local files that make up `database` (an export must never write over them). Default: none."""
        return []


class RowReader:
    """Reads rows of tables. The base of an ExportSource and of a parallel worker's reader."""

    def row_batches(self, full_name: str, part: Any = None) -> Iterator[Sequence[tuple]]:
        """Lists of codec-ready row tuples of one table (or of one part, see ExportSource.partitions)."""
        raise NotImplementedError(f"{type(self).__name__} must implement row_batches")

    def encoded_batches(self, full_name: str, codec: Any, part: Any = None,
                        encode: Any = None) -> Iterator[tuple[bytes, int]]:
        """(BCP bytes, row count) batches. Default: row_batches encoded by encode(rows, rows before
        them); an engine that can encode rows itself (SQLite's native/_encode.c) overrides this and
        calls encode only for rows it does not take."""
        done = 0
        for rows in self.row_batches(full_name, part=part):
            yield encode(rows, done), len(rows)
            done += len(rows)


class ExportSource(RowReader):
    """One consistent read of a database (a context manager; close() ends the read).

    Attributes: model (format.model.Model of every table), model_bytes (the exact model.xml to write,
    or None to serialize the model), model_bom, model_source ('stored' | 'merged' | 'derived' |
    'catalog'), warnings (what the package will not hold, each naming the object).
    """
    model: Any = None
    model_bytes: bytes | None = None
    model_bom: bool = False
    model_source: str = "catalog"
    warnings: Sequence[str] = ()
    consistent: bool = True          # False: rows may change while read (row counts then only warn)
    row_count_is_estimate: bool = False   # True: row_count() guides progress; exact_row_count() checks

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self) -> None:
        """End the read. Default: nothing to release."""

    @property
    def table_names(self) -> list[str]:
        """Full names ([schema].[name]) of the tables, in model order."""
        raise NotImplementedError

    def origin(self) -> Any:
        """The format.parts.Origin of the package (server version, source name)."""
        raise NotImplementedError

    def row_count(self, full_name: str) -> int:
        """Rows of a table; may be an estimate when exact_row_count is overridden."""
        raise NotImplementedError

    def exact_row_count(self, full_name: str) -> int:
        """Rows of a table, counted in the same read (checked against the rows written).
        Default: row_count, which is exact unless the engine says otherwise."""
        return self.row_count(full_name)

    def partitions(self, full_name: str, rows_per_part: int) -> list:
        """Opaque picklable part keys covering the table in row order. Default: [None] (one part)."""
        return [None]

    def parallel_reader(self) -> Any:
        """A picklable context manager that a worker process enters to get a RowReader in the SAME
        snapshot as this source, or None: the export then runs in one process. Default: None."""
        return None


class TableLoader:
    """Inserts the rows of one table of an ImportTarget."""
    rows: int = 0
    mapped_elsewhere: bool = False    # set by the pipeline when decoder processes map rows already

    def insert(self, rows: Iterable[tuple]) -> None:
        raise NotImplementedError

    def decode_spec(self) -> Any:
        """Picklable (decoders {column: fn}, (width, outputs) of the row mapper) for decoder
        processes, or None: they then decode with the package's own codec. Default: None."""
        return None

    def mapper_spec(self) -> Any:
        """Picklable (width, outputs) of the row mapper alone, or None. Default: None."""
        return None


class ImportTarget:
    """A database being built (a context manager). Nothing is visible until commit(); leaving the
    context without it undoes everything (a new database dropped, a given one emptied)."""
    path: Any = None                  # what the summary shows as databasePath

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def check_target(self) -> None:
        """Refuse a target that exists and is not empty, before anything is read. Default: nothing."""

    def create_schema(self, model: Any, tables: Sequence[Any]) -> None:
        raise NotImplementedError

    def table_loader(self, full_name: str) -> TableLoader:
        raise NotImplementedError

    def loaded_rows(self, full_name: str) -> int | None:
        """Rows the table holds after its load (checked against the rows sent), or None when the
        engine cannot count them. Default: None."""
        return None

    def loads_natively(self, full_name: str, layout: Any) -> bool:
        """True when the engine decodes and inserts this table's BCP itself (SQLite's native/_load.c).
        Default: False."""
        return False

    def finish(self, package_parts: dict) -> list[str]:
        """Constraints, indexes, bookkeeping after the data; returns warnings. Default: none."""
        return []

    def commit(self) -> None:
        raise NotImplementedError
