"""Export: engine -> BCP encoder -> package writer -> storage, one table after another."""
import time

from ..engines import open_engine
from ..errors import EngineError
from ..format.errors import EncodeError
from ..format.package import PackageWriter
from ..format.model import quote
from ..storage import open_location
from .filters import select_tables
from .progress import Progress
from .subset import subset_model


def export_database(server, database, storage_uri, *, tables=None, exclude_tables=None, overwrite=False,
                    progress=None, cancel=None, compresslevel=6, storage_key_type=None,
                    storage_key=None):
    """Export a database to a BACPAC at storage_uri; returns a summary dict.

    Summary keys: server, database, storageUri, path, tables (count), rows, bytes (BCP payload),
    packageBytes, elapsedSeconds, modelSource ('stored' | 'merged' | 'derived'), perTable
    ([{name, rows, bytes}]), warnings.
    """
    started = time.monotonic()
    engine = open_engine(server)
    location = open_location(storage_uri, storage_key_type, storage_key)
    location.check_writable(overwrite)          # before any data moves
    with engine.export_source(database) as source:
        by_name = {table.full_name: table for table in source.model.tables}
        available = [(by_name[name].schema, by_name[name].name) for name in source.table_names]
        kept = [quote(schema, name) for schema, name in select_tables(available, tables, exclude_tables)]
        warnings = list(source.warnings)
        model = source.model
        if len(kept) != len(available):
            model, left_out = subset_model(model, kept)
            warnings.extend(left_out)
        rows_total = sum(source.row_count(name) for name in kept) if progress is not None else None
        reporter = Progress(progress, cancel, len(kept), rows_total,
                            cancelled_message=f"export of '{database}' cancelled; no BACPAC was written")
        per_table = []
        with location.writer(overwrite) as output:
            writer = PackageWriter(output.file, model, database, origin=source.origin(),
                                   compresslevel=compresslevel, model_bom=source.model_bom,
                                   model_bytes=source.model_bytes if len(kept) == len(available) else None)
            try:
                for name in kept:
                    per_table.append(_export_table(source, writer, by_name[name], reporter))
                reporter.finishing()
                writer.close()
            except BaseException:
                writer.abort()
                raise
            output.commit()
        model_source = source.model_source if len(kept) == len(available) else source.model_source + "+filtered"
    return {
        "server": server, "database": database, "storageUri": location.uri, "path": str(location.path),
        "tables": len(kept), "rows": reporter.rows, "bytes": reporter.bytes, "packageBytes": location.size(),
        "elapsedSeconds": round(time.monotonic() - started, 3), "modelSource": model_source,
        "perTable": per_table, "warnings": warnings,
    }


def _export_table(source, writer, table, reporter):
    name = table.full_name
    reporter.start_table(name)
    with writer.table_writer(table.schema, table.name) as table_writer:
        codec = table_writer.codec
        for rows in source.row_batches(name):
            data = _encode(codec, rows, name, table_writer.rows)
            table_writer.write_encoded(data, len(rows))
            reporter.advance(len(rows), len(data))
    reporter.end_table()
    return {"name": name, "rows": table_writer.rows, "bytes": table_writer.bytes}


def _encode(codec, rows, name, done):
    try:
        return codec.encode_many(rows)
    except EncodeError:
        for offset, row in enumerate(rows):
            try:
                codec.encode(row)
            except EncodeError as error:
                raise EngineError(f"{error} (row {done + offset + 1} of {name})") from None
        raise
