"""The export data path: tables, and row ranges of large tables, encoded and deflated in parallel.

    parent:  plan (tables -> work slots) -> dispatch to idle workers -> reorder -> PackageAssembler
    worker:  engine reader (its own connection) -> row mapper -> RowCodec -> raw deflate -> parent
             (SQLite: the native encoder turns rows into BCP bytes itself, Python does the rest)

A slot is a list of items (a table, or one row range of a large table, as the engine's
partitions() gives them); each worker process runs one slot at a time and sends back each
finished part as a raw deflate stream with its CRC-32 and sizes. The parent writes the parts in
plan order, without recompressing, straight to storage. Memory stays bounded whatever the table
sizes: a part holds at most about `part_bytes` BCP bytes (a larger range than estimated just
makes more parts), the parent holds at most BUFFERED_PARTS parts of a worker whose slot is not
the next to be written (it stops reading that worker's pipe, so the worker waits), and at most
`workers + 1` slots are admitted at a time.

With no worker processes (workers=0, a small export, or an engine that cannot give workers the
same snapshot) the same slots run in this process, one after another: the output is the same.
Cancel is checked between batches (inline) or every 0.1 s while waiting for workers; on cancel
or any failure the workers are terminated and nothing more is written (the storage writer,
without its commit, discards the partial file).
"""
import collections
import multiprocessing.connection
import os
import pickle
import subprocess
import sys

from ..errors import EngineError
from ..format.assembly import DeflatedPart, PartBuilder
from ..format.bcp import RowCodec
from ..format.errors import EncodeError

PART_BYTES = 8 << 20           # BCP bytes in a data part before a worker starts the next one
SAMPLE_MIN_ROWS = 20_000       # tables with fewer rows are not sampled for their bytes per row
SMALL_ROW_BYTES = 256          # assumed bytes per row of an unsampled table
PARALLEL_MIN_ROWS = 200_000    # below this many rows in all, worker processes cost more than they save
POLL_SECONDS = 0.1


def default_workers():
    return os.cpu_count() or 1


class Slot:
    """Work for one worker: items (full_name, part key) in plan order; then what it produced."""
    __slots__ = ("items", "parts", "written", "done")

    def __init__(self, items):
        self.items = list(items)
        self.parts = []             # (full_name, DeflatedPart), in order; None once written
        self.written = 0
        self.done = False


# ---- planning ------------------------------------------------------------------------------------

def plan_slots(source, names, codecs, counts, part_bytes):
    """Slots covering every table of `names`, in order. `counts` may be estimates (SQL Server's
    partition statistics are approximate): they size the slots, but a table counted as empty is
    read all the same."""
    slots, batch, batch_bytes = [], [], 0
    for name in names:
        count = counts[name]
        row_bytes = _row_bytes(source, name, codecs[name]) if count >= SAMPLE_MIN_ROWS else SMALL_ROW_BYTES
        estimate = count * row_bytes
        if estimate >= part_bytes:
            if batch:
                slots.append(Slot(batch))
                batch, batch_bytes = [], 0
            keys = source.partitions(name, max(1, part_bytes // max(1, row_bytes)))
            slots.extend(Slot([(name, key)]) for key in keys)
            continue
        if batch and batch_bytes + estimate > part_bytes:
            slots.append(Slot(batch))
            batch, batch_bytes = [], 0
        batch.append((name, None))
        batch_bytes += estimate
    if batch:
        slots.append(Slot(batch))
    return slots


def _row_bytes(source, name, codec):
    """Encoded bytes per row, from the table's first batch."""
    batches = encoded_batches(source, name, codec)
    try:
        for data, rows in batches:
            return max(1, len(data) // rows)
    except EncodeError:
        pass                            # the real encode reports the row
    finally:
        batches.close()                 # and with it the engine's statement
    return SMALL_ROW_BYTES


def encoded_batches(reader, name, codec, part=None, encode=None):
    """(BCP bytes, rows) batches of a table (or one part of it): the engine's own encoded_batches
    where it has one (SQLite: natively encoded rows), else row_batches + codec.encode_many.

    encode(rows, done) encodes rows that follow `done` rows of this read (codec.encode_many when
    None); an engine calls it for whatever rows it does not encode itself.
    """
    if encode is None:
        def encode(rows, _done):
            return codec.encode_many(rows)
    yield from reader.encoded_batches(name, codec, part=part, encode=encode)


# ---- the work of one slot (in a worker process, or inline) ---------------------------------------

def run_slot(reader, codecs, items, part_bytes, library, level, emit, check=None):
    """Encode and deflate the items of a slot; emit(index, full_name, DeflatedPart) per part,
    check(rows, bytes) after every batch (progress and cancel).

    A part closes once it holds `part_bytes` BCP bytes, and the same rows go on into the next part
    of the table: a range larger than estimated just makes more parts (the parent's backpressure
    keeps what waits to be written bounded, see run_parallel).
    """
    for index, (name, part) in enumerate(items):
        codec = codecs[name]
        builder = PartBuilder(library, level)

        def encode(rows, before, codec=codec, name=name, part=part):
            return _encode(codec, rows, name, part, before)
        for data, rows in encoded_batches(reader, name, codec, part, encode):
            builder.add(data, rows)
            if check is not None:
                check(rows, len(data))
            if builder.size >= part_bytes:
                emit(index, name, builder.finish())
                builder = PartBuilder(library, level)
        if builder.rows:
            emit(index, name, builder.finish())


def _encode(codec, rows, name, part, done):
    try:
        return codec.encode_many(rows)
    except EncodeError:
        where = "" if part is None else " of a range"
        for offset, row in enumerate(rows):
            try:
                codec.encode(row)
            except EncodeError as error:
                raise EngineError(f"{error} (row {done + offset + 1}{where} of {name})") from None
        raise


def export_worker(tasks, conn, recipe, layouts, part_bytes, library, level):
    """A worker process: runs slots sent by the parent until it sends None."""
    codecs = Codecs(layouts)
    try:
        with recipe as reader:
            conn.send(("ready",))
            while True:
                message = tasks.recv()
                if message is None:
                    return
                slot_id, items = message
                try:
                    def emit(index, name, part):
                        conn.send(("part", slot_id, index, name, part.crc, part.size, part.compressed_size,
                                   part.rows))
                        conn.send_bytes(part.data)
                    def batch_done(rows, size):
                        conn.send(("progress", rows, size))
                    run_slot(reader, codecs, items, part_bytes, library, level, emit, batch_done)
                    conn.send(("done", slot_id))
                except Exception as error:   # noqa: BLE001 - handed to the parent, which raises it
                    conn.send(("error", slot_id, _picklable(error)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return                          # the parent is gone or stopping us
    except Exception as error:          # noqa: BLE001 - opening the reader failed
        try:
            conn.send(("error", None, _picklable(error)))
        except (OSError, EOFError):
            pass


def _picklable(error):
    try:
        pickle.dumps(error)
        return error
    except Exception:   # noqa: BLE001
        return EngineError(f"{type(error).__name__}: {error}")


class Codecs(dict):
    """RowCodecs compiled on first use (a worker compiles only the tables it is given)."""

    def __init__(self, layouts):
        super().__init__()
        self._layouts = layouts

    def __missing__(self, name):
        codec = self[name] = RowCodec(name, self._layouts[name])
        return codec


# ---- worker processes ----------------------------------------------------------------------------
# Workers are plain `python -c` processes that talk over two inherited pipes (multiprocessing
# Connections). Unlike multiprocessing's spawn/forkserver, nothing re-imports the caller's main
# script (az, a user's script without a __main__ guard); unlike fork, no connection, thread or
# lock of this process is inherited.

_BOOT = """
import importlib, sys
from multiprocessing.connection import Connection
tasks = Connection(int(sys.argv[1]), writable=False)
results = Connection(int(sys.argv[2]), readable=False)
sys.path[:] = tasks.recv()
module, function, args = tasks.recv()
getattr(importlib.import_module(module), function)(tasks, results, *args)
"""


def workers_supported():
    return os.name == "posix" and bool(sys.executable)


class WorkerPool:
    """N worker processes, each with a task pipe and a result pipe."""

    def __init__(self, count, function, args, module=__name__):
        from multiprocessing.connection import Connection
        self.processes, self.conns, self._tasks = [], [], []
        try:
            for _ in range(count):
                task_read, task_write = os.pipe()
                result_read, result_write = os.pipe()
                try:
                    process = subprocess.Popen([sys.executable, "-c", _BOOT, str(task_read), str(result_write)],
                                               pass_fds=(task_read, result_write), stdin=subprocess.DEVNULL,
                                               close_fds=True)
                finally:
                    os.close(task_read)
                    os.close(result_write)
                self.processes.append(process)
                self._tasks.append(Connection(task_write, readable=False))
                self.conns.append(Connection(result_read, writable=False))
                self._tasks[-1].send(list(sys.path))
                self._tasks[-1].send((module, function, args))
        except BaseException:
            self.terminate()
            raise

    @property
    def pids(self):
        return [p.pid for p in self.processes]

    def send(self, worker, message):
        self._tasks[worker].send(message)

    def describe_exit(self, worker):
        process = self.processes[worker]
        try:
            code = process.wait(1)
        except subprocess.TimeoutExpired:
            code = None
        return f"pid {process.pid}, exit code {code}"

    def finish(self):
        """Ask every worker to stop, and wait for them (terminate any that does not stop)."""
        for conn in self._tasks:
            try:
                conn.send(None)
            except (OSError, EOFError):
                pass
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.terminate()

    def terminate(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(2)
        for conn in self.conns + self._tasks:
            conn.close()
        self.processes, self.conns, self._tasks = [], [], []


BUFFERED_PARTS = 2              # parts held for a worker whose slot is not the next to write


def run_parallel(pool, slots, write_part, check_cancel, max_in_flight, advance):
    """Dispatch slots to the pool's workers and hand their parts to write_part in plan order;
    advance(rows, bytes) as workers report batches (in the order they finish them).

    Memory: parts of the slot at the head of the window are written as they arrive; from a worker
    whose slot comes later, at most BUFFERED_PARTS parts are taken before its pipe is left unread,
    so that it blocks until its slot reaches the head.
    """
    waiting = collections.deque(slots)      # not yet admitted
    window = collections.deque()            # admitted, in write order
    ready = collections.deque()             # admitted, not yet sent to a worker
    idle = []
    slots_by_id = {}
    running = {}                            # worker -> its slot
    next_id = 0
    by_conn = dict(zip(pool.conns, range(len(pool.conns))))

    while waiting or window:
        while waiting and len(window) < max_in_flight:
            slot = waiting.popleft()
            window.append(slot)
            ready.append(slot)
        while idle and ready:
            slot = ready.popleft()
            worker = idle.pop()
            slots_by_id[next_id] = slot
            running[worker] = slot
            pool.send(worker, (next_id, slot.items))
            next_id += 1
        check_cancel()
        head = window[0] if window else None
        readable = [conn for conn, worker in by_conn.items()
                    if worker not in running or running[worker] is head
                    or len(running[worker].parts) - running[worker].written < BUFFERED_PARTS]
        for handle in multiprocessing.connection.wait(readable, POLL_SECONDS):
            worker = by_conn[handle]
            try:
                message = handle.recv()
            except (EOFError, OSError):
                raise EngineError(f"an export worker process ended unexpectedly ({pool.describe_exit(worker)}); "
                                  f"no BACPAC was written") from None
            kind = message[0]
            if kind == "progress":
                advance(message[1], message[2])
            elif kind == "ready":
                idle.append(worker)
            elif kind == "part":
                _, slot_id, _, name, crc, size, compressed_size, rows = message
                data = handle.recv_bytes()
                slots_by_id[slot_id].parts.append((name, DeflatedPart(data, crc, size, compressed_size, rows)))
            elif kind == "done":
                slots_by_id.pop(message[1]).done = True
                running.pop(worker, None)
                idle.append(worker)
            elif kind == "error":
                raise message[2]
        # Write what the head of the window has, in order.
        while window:
            head = window[0]
            while head.written < len(head.parts):
                name, part = head.parts[head.written]
                head.parts[head.written] = None
                head.written += 1
                write_part(name, part)
            if not head.done:
                break
            window.popleft()


def run_inline(reader, codecs, slots, part_bytes, library, level, write_part, check):
    """The same slots, one after another in this process (no worker processes)."""
    for slot in slots:
        run_slot(reader, codecs, slot.items, part_bytes, library, level,
                 lambda _index, name, part: write_part(name, part), check)
