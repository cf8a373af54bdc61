"""Import: storage -> package reader -> BCP decoder -> engine, into a new database."""
import time

from ..engines import open_engine
from ..storage import open_location
from .filters import select_tables
from .packages import open_package, table_batches
from .progress import Progress
from .subset import subset_model


def import_package(storage_uri, server, database, *, tables=None, exclude_tables=None, progress=None,
                   cancel=None, storage_key_type=None, storage_key=None):
    """Import the BACPAC at storage_uri into a new database; returns a summary dict.

    Summary keys: server, database, storageUri, path, tables (count), rows, bytes (BCP payload read),
    packageBytes, elapsedSeconds, perTable ([{name, rows, bytes}]), warnings.
    """
    started = time.monotonic()
    engine = open_engine(server)
    location = open_location(storage_uri, storage_key_type, storage_key)
    target = engine.import_target(database)
    target.check_target()                       # before reading anything
    with open_package(location) as reader:
        available = [(t.schema, t.name) for t in reader.tables]
        chosen = select_tables(available, tables, exclude_tables)
        model, model_bytes, warnings = reader.model, reader.model_bytes, []
        if len(chosen) != len(available):
            model, warnings = subset_model(model, [reader.table(s, n).full_name for s, n in chosen])
            model_bytes = model.to_bytes(bom=reader.model_bytes.startswith(b"\xef\xbb\xbf"))
        table_data = [reader.table(schema, name) for schema, name in chosen]
        unfiltered = len(chosen) == len(available)
        reporter = Progress(progress, cancel, len(table_data),
                            rows_total=reader.origin.total_rows if unfiltered and reader.origin.has_export_statistics
                            else None,
                            bytes_total=sum(t.data_bytes for t in table_data),
                            cancelled_message=f"import into '{database}' cancelled; the database was not created")
        per_table = []
        with target:
            target.create_schema(model, [model.table(t.schema, t.name) for t in table_data])
            for data in table_data:
                per_table.append(_import_table(reader, target, data, reporter))
            reporter.finishing()
            warnings.extend(target.finish({"model.xml": model_bytes, "Origin.xml": reader.origin_bytes,
                                           "DacMetadata.xml": reader.metadata_bytes}))
            reporter.check_cancel()
            target.commit()
    return {
        "server": server, "database": database, "storageUri": location.uri, "path": str(location.path),
        "databasePath": str(target.path), "tables": len(table_data), "rows": reporter.rows,
        "bytes": reporter.bytes, "packageBytes": location.size(),
        "elapsedSeconds": round(time.monotonic() - started, 3), "perTable": per_table, "warnings": warnings,
    }


def _import_table(reader, target, data, reporter):
    reporter.start_table(data.full_name)
    loader = target.table_loader(data.full_name)
    read = 0
    for rows, position in table_batches(reader, data):
        loader.insert(rows)
        reporter.advance(len(rows), position - read)
        read = position
    reporter.end_table()
    return {"name": data.full_name, "rows": loader.rows, "bytes": read}
