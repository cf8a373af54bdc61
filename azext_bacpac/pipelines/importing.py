"""Import: storage -> package reader -> BCP decoder -> engine, into a new database."""
import contextlib
import time

from ..engines import open_engine
from ..format.errors import DataError
from ..format.package import table_layout
from ..storage import open_location
from .filters import select_tables
from .packages import open_package, table_batches
from .parallel_import import open_decoder
from .progress import Progress, announce
from .subset import subset_model


def import_package(storage_uri, server, database, *, tables=None, exclude_tables=None, progress=None,
                   cancel=None, storage_key_type=None, storage_key=None, max_uncompressed_size=None,
                   workers=None, engine_options=None, publish=None):
    """Import the BACPAC at storage_uri into a new database; returns a summary dict.

    max_uncompressed_size: the cap on the package's declared uncompressed bytes (see
    packages.max_uncompressed_bytes; None: the environment variable or 1 TiB).

    workers: decoder processes that run ahead of the inserts (None: one per CPU for a local
    package of 32 MiB of data or more; 0: decode in this process; see parallel_import.py). Tables
    the engine loads natively (SQLite with azext_bacpac.native._load) are decoded and inserted in
    C in this process, with the next read inflated in a thread: workers only take the others.

    publish: a context manager factory the database is published inside (an operation's worker: under the
    store's lock, only while its record is active; see operations/worker.py).

    Summary keys: server, database, storageUri, path, tables (count), rows, bytes (BCP payload read),
    packageBytes, elapsedSeconds, perTable ([{name, rows, bytes}]), warnings, notCreated ([{kind, name,
    reason}] of the objects the target kept out, which one of the warnings counts).
    """
    started = time.monotonic()
    engine = open_engine(server, **(engine_options or {}))   # SQL Server sign-in, options
    location = open_location(storage_uri, storage_key_type, storage_key)
    target = engine.import_target(database)
    target.check_target()                       # before reading anything
    announce(progress, "scan")
    with open_package(location, max_total_bytes=max_uncompressed_size) as reader:
        available = [(t.schema, t.name) for t in reader.tables]
        chosen = select_tables(available, tables, exclude_tables)
        model, model_bytes, warnings = reader.model, reader.model_part(), []
        if len(chosen) != len(available):
            model, warnings = subset_model(model, [reader.table(s, n).full_name for s, n in chosen])
            model_bytes = model.to_bytes(bom=reader.model_bom)
        table_data = [reader.table(schema, name) for schema, name in chosen]
        unfiltered = len(chosen) == len(available)
        reporter = Progress(progress, cancel, len(table_data),
                            rows_total=reader.origin.total_rows if unfiltered and reader.origin.has_export_statistics
                            else None,
                            bytes_total=sum(t.data_bytes for t in table_data),
                            cancelled_message=f"import into '{database}' cancelled; the database was not created")
        per_table = []
        # Origin.xml's row total guards against data parts that were lost, cut at a row boundary
        # or swapped in whole: damage every row of which still decodes (it covers all tables only).
        expected_rows = reader.origin.total_rows if unfiltered and reader.origin.has_export_statistics else None
        with target:
            announce(progress, "schema")
            target.create_schema(model, [model.table(t.schema, t.name) for t in table_data])
            layouts = {t.full_name: table_layout(reader.model, t.table) for t in table_data}
            native = {name for name, layout in layouts.items() if target.loads_natively(name, layout)}
            # Worker processes decode only what the C loader does not take: with it, the insert is
            # the whole cost and it runs in this process anyway.
            decoder = open_decoder(location, reader, [t for t in table_data if t.full_name not in native],
                                   target, workers)
            try:
                for data in table_data:
                    layout = layouts[data.full_name] if data.full_name in native else None
                    per_table.append(_import_table(reader, target, data, reporter, expected_rows, decoder, layout))
            except BaseException:
                if decoder is not None:
                    decoder.terminate()
                raise
            if decoder is not None:
                decoder.close()
            if expected_rows is not None and reporter.rows != expected_rows:
                raise _total_error(reader, f"holds {reporter.rows} rows", expected_rows)
            reporter.finishing()
            warnings.extend(target.finish({"model.xml": model_bytes, "Origin.xml": reader.origin_bytes,
                                           "DacMetadata.xml": reader.metadata_bytes}))
            with publish() if publish is not None else contextlib.nullcontext():
                reporter.check_cancel()     # the last word, then the database is published
                target.commit()
    return {
        "server": server, "database": database, "storageUri": location.uri, "path": str(location.path),
        "databasePath": str(target.path), "tables": len(table_data), "rows": reporter.rows,
        "bytes": reporter.bytes, "packageBytes": location.size(),
        "elapsedSeconds": round(time.monotonic() - started, 3), "perTable": per_table, "warnings": warnings,
        # what the package has that the target did not create ({kind, name, reason}; az --verbose lists them)
        "notCreated": list(getattr(target, "not_created", ())),
    }


def _import_table(reader, target, data, reporter, expected_rows=None, decoder=None, native_layout=None):
    reporter.start_table(data.full_name)
    load = None
    if native_layout is not None:
        # (rows the C loader inserted, rows left to insert here, position) per buffer
        loader, load = target.table_load_native(data.full_name, native_layout)
        batches = load.batches(reader, data)
    else:
        loader = target.table_loader(data.full_name)
        batches = table_batches(reader, data) if decoder is None else \
            decoder.batches(data, loader, reporter.check_cancel)
        batches = ((0, rows, position) for rows, position in batches)
    read = 0
    try:
        for inserted, rows, position in batches:
            if expected_rows is not None and reporter.rows + inserted + len(rows) > expected_rows:
                raise _total_error(reader, f"holds more than {expected_rows} rows (table {data.full_name} "
                                           f"goes past it)", expected_rows)
            if rows:
                loader.insert(rows)               # (its messages count the rows before this batch)
            loader.rows += inserted
            reporter.advance(inserted + len(rows), position - read)
            read = position
    finally:
        if load is not None:
            batches.close()                       # its read ahead ends before the statement does
            load.close()
    _verify_loaded(target, data.full_name, loader.rows)
    reporter.end_table()
    return {"name": data.full_name, "rows": loader.rows, "bytes": read}


def _verify_loaded(target, full_name, rows_sent):
    """The rows a table holds after its load must be the rows sent (the package's rows for it): a
    server that dropped or rolled back part of the load fails the import here, and it is undone."""
    held = target.loaded_rows(full_name)
    if held is not None and held != rows_sent:
        raise DataError(f"table {full_name}: {rows_sent} rows of the package were sent but the target holds {held} "
                        f"after loading; the import was undone")


def _total_error(reader, holds, expected_rows):
    return DataError(f"{reader.source_name}: the package's data {holds}, but Origin.xml records "
                     f"{expected_rows} (TableRowCountTotalTag): data parts are missing, cut short or "
                     f"damaged; the import was refused and the database was not created")
