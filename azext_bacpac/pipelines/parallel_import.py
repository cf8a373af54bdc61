"""Import decoding overlapped with inserting: worker processes decode data parts ahead of the load.

    worker:  package file -> inflate one data part -> RowCodec.decode -> engine row mapper -> marshal
    parent:  (validated PackageReader) ... batches in part order -> loader.insert (mapped already)

Each data part of the chosen tables is one task; workers take them in order (at most `workers`
parts are open at once) and the parent consumes the batches strictly in part order. A worker
blocks on its pipe until the parent reads, so memory stays bounded by about one decoded batch
(1 MiB of BCP) per worker plus the pipe buffers, whatever the table sizes.

Tables the engine loads natively (engines/sqlite_native_import.py: C decodes and inserts, which
costs less than sending rows from a worker) are not given to workers.

Used only when the package is a local file (workers open it by path; no copy is made), the
engine's loader can take rows mapped elsewhere (mapper_spec), and the import is large enough.
"""
import marshal
import multiprocessing.connection
import pickle
import zipfile

from ..errors import EngineError
from ..format.bcp import RowCodec
from ..format.errors import BacpacFormatError, DataError
from ..format.package import table_layout
from . import parallel

PARALLEL_MIN_BYTES = 32 << 20     # BCP bytes below which worker processes cost more than they save


def decode_worker(tasks, results, package_path):
    """A worker process: decodes the parts the parent sends, until it sends None."""
    from ..engines.rowmap import compile_row_mapper
    try:
        archive = zipfile.ZipFile(package_path)
    except Exception as error:   # noqa: BLE001
        results.send_bytes(b"E" + pickle.dumps(EngineError(f"cannot open {package_path}: {error}")))
        return
    codecs = {}
    try:
        while True:
            task = tasks.recv()
            if task is None:
                return
            name, layout, decoders, spec, entry, size = task
            if name not in codecs:
                codecs[name] = (RowCodec(name, layout, decoders), compile_row_mapper(*spec) if spec else None)
            codec, mapper = codecs[name]
            try:
                with archive.open(entry) as stream:
                    for rows, offset in codec.decode_stream(stream, entry, size, with_offsets=True):
                        if mapper is not None:
                            try:
                                rows = list(map(mapper, rows))
                            except (ValueError, OverflowError, TypeError) as error:
                                raise EngineError(f"table {name}: a value in {entry} cannot be stored in "
                                                  f"SQLite: {error}") from None
                        try:
                            payload = b"M" + marshal.dumps((rows, offset))
                        except ValueError:
                            payload = b"P" + pickle.dumps((rows, offset), pickle.HIGHEST_PROTOCOL)
                        results.send_bytes(payload)
                results.send_bytes(b"D")
            except (zipfile.BadZipFile, EOFError, OSError) as error:
                results.send_bytes(b"E" + pickle.dumps(DataError(f"table {name}: {entry} cannot be read: "
                                                                 f"{error}")))
            except Exception as error:   # noqa: BLE001 - handed to the parent, which raises it
                results.send_bytes(b"E" + pickle.dumps(parallel._picklable(error)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return


def open_decoder(location, reader, table_data, target, workers):
    """A ParallelDecoder for this import, or None to decode in this process."""
    if workers == 0 or not parallel.workers_supported():
        return None
    path = location.local_path
    if path is None:
        return None
    total = sum(t.data_bytes for t in table_data)
    if workers is None and total < PARALLEL_MIN_BYTES:
        return None
    count = workers or parallel.default_workers()
    parts = sum(len(t.entries) for t in table_data)
    if not parts:
        return None
    return ParallelDecoder(str(path), reader, target, max(1, min(count, parts)))


class ParallelDecoder:
    def __init__(self, path, reader, target, count):
        self.reader = reader
        self.target = target
        self.pool = parallel.WorkerPool(count, "decode_worker", (path,), module=__name__)
        self._idle = list(range(count))
        self._queue = []              # (table_data, entry, task) in order, not yet sent
        self._open = []               # (entry, worker) sent, in order

    def batches(self, data, loader, check_cancel=None):
        """(rows, BCP bytes of the table read so far) for each batch of one table, in order.

        Rows come mapped by the loader's own mapper_spec(), so the loader is told to skip it.
        """
        decoders, spec = loader.decode_spec() or (None, loader.mapper_spec())
        if spec is not None:
            loader.mapped_elsewhere = True
        layout = table_layout(self.reader.model, data.table)
        for entry in data.entries:
            info = self.reader._entries[entry]
            self._queue.append((entry, (data.full_name, layout, decoders, spec, entry, info.file_size)))
        done = 0
        for entry in data.entries:
            self._dispatch()
            head_entry, worker = self._open[0]
            assert head_entry == entry
            size = self.reader._entries[entry].file_size
            conn = self.pool.conns[worker]
            while True:
                payload = self._receive(conn, worker, check_cancel)
                kind = payload[:1]
                if kind == b"D":
                    break
                if kind == b"E":
                    raise pickle.loads(payload[1:])
                rows, offset = marshal.loads(payload[1:]) if kind == b"M" else pickle.loads(payload[1:])
                yield rows, done + offset
            done += size
            self._open.pop(0)
            self._idle.append(worker)

    def _dispatch(self):
        while self._idle and self._queue:
            entry, task = self._queue.pop(0)
            worker = self._idle.pop(0)
            self.pool.send(worker, task)
            self._open.append((entry, worker))

    def _receive(self, conn, worker, check_cancel):
        while True:
            if check_cancel is not None:
                check_cancel()
            if multiprocessing.connection.wait([conn], parallel.POLL_SECONDS):
                try:
                    return conn.recv_bytes()
                except (EOFError, OSError):
                    raise EngineError(f"an import worker process ended unexpectedly "
                                      f"({self.pool.describe_exit(worker)}); the database was not created") from None

    def close(self):
        if self.pool is not None:
            if self._open:
                self.pool.terminate()
            else:
                self.pool.finish()
            self.pool = None

    def terminate(self):
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None


__all__ = ["open_decoder", "ParallelDecoder", "decode_worker", "BacpacFormatError"]
