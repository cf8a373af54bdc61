"""Export: engine -> BCP encoder -> raw deflate -> package assembly -> storage.

Tables (and row ranges of large tables) are encoded and deflated by worker processes when the
export is large enough and the engine can give them one snapshot (see parallel.py); otherwise the
same work runs in this process. Either way the package streams to storage in bounded memory and
is published only by the storage writer's commit: a failed or cancelled export leaves nothing.
"""
import contextlib
import time

from ..engines import open_engine
from ..errors import EngineError, InvalidInputError
from ..format import deflate
from ..format.assembly import PackageAssembler
from ..format.model import quote
from ..format.package import table_layout
from ..storage import open_location
from . import parallel
from .filters import select_tables
from .progress import Progress, announce
from .subset import subset_model


def export_database(server, database, storage_uri, *, tables=None, exclude_tables=None, overwrite=False,
                    progress=None, cancel=None, compresslevel=None, storage_key_type=None,
                    storage_key=None, workers=None, compressor=None, part_bytes=None, engine_options=None,
                    publish=None):
    """Export a database to a BACPAC at storage_uri; returns a summary dict.

    workers: worker processes (None: one per CPU for exports of PARALLEL_MIN_ROWS rows or more,
    none below; 0: none). compressor: 'zlib-ng', 'isal' or 'zlib' (None: the fastest installed).
    compresslevel: that library's level (None: its default, see format/deflate.py).
    publish: a context manager factory the BACPAC is published inside (an operation's worker: under the
    store's lock, only while its record is active; see operations/worker.py).

    Summary keys: server, database, storageUri, path, tables (count), rows, bytes (BCP payload),
    packageBytes, elapsedSeconds, modelSource ('stored' | 'merged' | 'derived'), perTable
    ([{name, rows, bytes}]), warnings, pipeline ({workers, compressor, level, parts}).
    """
    started = time.monotonic()
    try:
        library = deflate.deflate_library(compressor)
        level = deflate.check_level(library, compresslevel)
    except ValueError as error:
        raise InvalidInputError(str(error)) from None
    if workers is not None and (not isinstance(workers, int) or workers < 0):
        raise InvalidInputError(f"workers must be a whole number >= 0 (got {workers!r})")
    part_bytes = part_bytes or parallel.PART_BYTES
    engine = open_engine(server, **(engine_options or {}))   # SQL Server sign-in, options
    location = open_location(storage_uri, storage_key_type, storage_key)
    location.check_not_source(engine.database_files(database), database)     # never write over the source
    location.check_writable(overwrite)          # before any data moves
    announce(progress, "scan")
    with engine.export_source(database) as source:
        by_name = {table.full_name: table for table in source.model.tables}
        available = [(by_name[name].schema, by_name[name].name) for name in source.table_names]
        kept = [quote(schema, name) for schema, name in select_tables(available, tables, exclude_tables)]
        warnings = list(source.warnings)
        model = source.model
        if len(kept) != len(available):
            model, left_out = subset_model(model, kept)
            warnings.extend(left_out)
        counts = {name: source.row_count(name) for name in kept}
        reporter = Progress(progress, cancel, len(kept), sum(counts.values()),
                            cancelled_message=f"export of '{database}' cancelled; no BACPAC was written")
        layouts = {name: table_layout(model, by_name[name]) for name in kept}
        codecs = parallel.Codecs(layouts)
        slots = parallel.plan_slots(source, kept, codecs, counts, part_bytes)
        recipe = _parallel_recipe(source, workers, sum(counts.values()))
        pool_size = 0
        if recipe is not None:
            pool_size = workers if workers else parallel.default_workers()
            pool_size = max(1, min(pool_size, len(slots)))
        tables_out = _TableTracker(kept, reporter)
        with location.writer(overwrite) as output:
            assembler = PackageAssembler(output.file, model, database, origin=source.origin(),
                                         model_bom=source.model_bom, library=library, level=level,
                                         model_bytes=source.model_bytes if len(kept) == len(available) else None)
            pool = None
            try:
                def write_part(name, part):
                    tables_out.reach(name)
                    assembler.add_part(by_name[name].schema, by_name[name].name, part)
                    tables_out.add(name, part.rows, part.size)
                if kept:
                    # the first table is named from the start: parts (and with them the table label)
                    # arrive only as workers finish them, and a build log must say what is being copied
                    tables_out.reach(kept[0])
                if recipe is not None and slots:
                    pool = parallel.WorkerPool(pool_size, "export_worker",
                                               (recipe, layouts, part_bytes, library, level))
                    parallel.run_parallel(pool, slots, write_part, reporter.check_cancel, pool_size + 1,
                                          reporter.advance)
                    pool.finish()
                    pool = None
                else:
                    parallel.run_inline(source, codecs, slots, part_bytes, library, level, write_part,
                                        reporter.advance)
                tables_out.finish()
                warnings.extend(_verify_written(source, counts, tables_out.per_table()))
                reporter.finishing()
                assembler.close()
            except BaseException:
                if pool is not None:
                    pool.terminate()
                assembler.abort()
                raise
            with publish() if publish is not None else contextlib.nullcontext():
                reporter.check_cancel()           # the last word, then the BACPAC is published
                output.commit()
        model_source = source.model_source if len(kept) == len(available) else source.model_source + "+filtered"
    return {
        "server": server, "database": database, "storageUri": location.uri, "path": str(location.path),
        "tables": len(kept), "rows": reporter.rows, "bytes": reporter.bytes, "packageBytes": location.size(),
        "elapsedSeconds": round(time.monotonic() - started, 3), "modelSource": model_source,
        "perTable": tables_out.per_table(), "warnings": warnings,
        "pipeline": {"workers": pool_size, "compressor": library, "level": level, "parts": tables_out.parts},
    }


def _verify_written(source, counts, per_table):
    """Rows written per table must be the rows the source holds. A source whose row_count() is only an
    estimate (SQL Server's partition statistics) counts exactly with exact_row_count(), in the same
    read; one that could not read consistently gets warnings instead of a failure (rows may have
    changed while it ran). Returns the warnings."""
    warnings = []
    for entry in per_table:
        name, written = entry["name"], entry["rows"]
        expected = source.exact_row_count(name) if source.row_count_is_estimate else counts[name]
        if expected == written:
            continue
        message = f"table {name}: {written} rows were written but the source holds {expected}"
        if not source.consistent:
            warnings.append(message + " (the export was not transactionally consistent: rows changed while it ran)")
            continue
        raise EngineError(message + "; no BACPAC was written")
    return warnings


def _parallel_recipe(source, workers, total_rows):
    """The engine's recipe for worker processes, or None to run in this process."""
    if workers == 0 or (workers is None and total_rows < parallel.PARALLEL_MIN_ROWS) \
            or not parallel.workers_supported():
        return None
    return source.parallel_reader()


class _TableTracker:
    """Table boundaries for progress and the summary, as parts are written in plan order."""

    def __init__(self, names, reporter):
        self.names = list(names)
        self.reporter = reporter
        self.stats = {name: [0, 0] for name in names}
        self.position = 0           # index of the table being written (not yet ended)
        self.started = False
        self.parts = 0

    def reach(self, name):
        while self.names[self.position] != name:
            self._end_current()
        if not self.started:
            self.reporter.start_table(name)
            self.started = True

    def _end_current(self):
        if not self.started:
            self.reporter.start_table(self.names[self.position])
        self.reporter.end_table()
        self.position += 1
        self.started = False

    def add(self, name, rows, size):
        """Statistics only: the reporter advances as batches are encoded (finer than parts)."""
        self.stats[name][0] += rows
        self.stats[name][1] += size
        self.parts += 1

    def finish(self):
        while self.position < len(self.names):
            self._end_current()

    def per_table(self):
        return [{"name": name, "rows": rows, "bytes": size} for name, (rows, size) in self.stats.items()]
