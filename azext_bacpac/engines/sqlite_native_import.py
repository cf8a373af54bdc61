"""The native import loader (azext_bacpac/native/_load.c): BCP rows decoded and inserted in C.

For a table whose every column is of a family the C loader covers, each data part is read the way
RowCodec.decode_stream reads it (the same chunks, the same buffer boundaries), and each buffer goes
first to the C loader, which inserts whole rows for as long as it can store exactly what the
Python path would. Where it stops (the buffer ends inside a row, or a row holds something it does
not handle: an impossible prefix, an impossible date, odd or unpaired UTF-16, a number SQLite
cannot hold, a row SQLite refuses), the rest of that buffer goes through the Python decoder of
the same table, with the same error messages (row numbers and byte offsets included), and the
rows it gives are inserted by the Python loader as before. The next buffer starts in C again.

What the C loader gets per column (column_ops): the BCP framing, taken from the very codec
RowCodec compiles (format/sqltypes.codec_for), and the family of the stored SQLite value, chosen
as sqlite_types.import_adapter / import_raw_decoder choose it. Tables with a sql_variant
(its bytes go to the bookkeeping table), an Always Encrypted column, a date/time column with a text
form of its own (sqlite_facts) or any type not listed use the Python path only.
"""
import concurrent.futures

from .. import native
from ..errors import EngineError
from ..format.bcp import MAX_CELL_BYTES, READ_CHUNK, RowCodec
from ..format.sqltypes import FixedCodec, VariableCodec, codec_for, decode_text
from .sqlite_types import decimal_stored_as_integer

# Framing and family numbers: the enums of _load.c.
FRAME_FIXED, FRAME_BYTE_PREFIX, FRAME_LENGTH = 0, 1, 2
_FIXED_FAMILIES = {
    "tinyint": 0, "smallint": 1, "int": 2, "bigint": 3, "bit": 4, "real": 5, "float": 6, "money": 7,
    "smallmoney": 8, "date": 11, "time": 12, "datetime2": 13, "datetimeoffset": 14, "datetime": 15,
    "smalldatetime": 16, "uniqueidentifier": 17,
}
F_DECIMAL_INT, F_DECIMAL_TEXT, F_TEXT, F_BLOB = 9, 10, 18, 19
_SCALED = {"time", "datetime2", "datetimeoffset"}
# Rows inserted by C and tables loaded natively in this process (tests use it to prove C ran).
STATISTICS = {"rows": 0, "tables": 0}


def column_op(column):
    """The C loader's op for a ColumnPlan: (family, framing, prefix, nullable, scale, width, limit),
    or None when the column is not one the loader covers."""
    if column.encrypted or column.companion or column.text_format is not None:
        return None                     # (a carried date/time text form: sqlite_facts formats it)
    sql_type = column.sql_type
    name = sql_type.name
    codec = codec_for(sql_type, column.nullable, column.encrypted)
    scale = 0
    if isinstance(codec, VariableCodec):
        if codec.null_length is not None or codec.prefix not in (2, 4, 8):
            return None
        if codec.decode is decode_text:
            family = F_TEXT
        elif codec.decode is bytes:
            family = F_BLOB
        else:
            return None
        limit = codec.max_bytes if codec.max_bytes is not None else MAX_CELL_BYTES
        return (family, FRAME_LENGTH, codec.prefix, int(column.nullable), 0, 0, limit)
    if not isinstance(codec, FixedCodec):
        return None
    limit = 0
    if name in ("decimal", "numeric"):
        family = F_DECIMAL_INT if decimal_stored_as_integer(sql_type) else F_DECIMAL_TEXT
        # the column's precision and scale: the loader refuses bytes that carry others (format/bcp.py)
        scale, limit = sql_type.scale or 0, 18 if sql_type.precision is None else sql_type.precision
        if not (0 <= scale <= limit <= 38 and limit >= 1):
            return None
    elif name in _FIXED_FAMILIES:
        family = _FIXED_FAMILIES[name]
        if name in _SCALED:
            scale = sql_type.scale or 0
            if not 0 <= scale <= 7:
                return None
    elif codec.decode is decode_text:
        family = F_TEXT                         # char(n) NOT NULL: 2n bytes, no prefix
    else:
        return None
    framing = FRAME_FIXED if not column.nullable and not codec.prefix_not_null else FRAME_BYTE_PREFIX
    if framing == FRAME_BYTE_PREFIX and codec.nullable_prefix != 1 or not 0 < codec.width < 255:
        return None
    return (family, framing, 0, int(column.nullable), scale, codec.width, limit)


def column_ops(plan, layout):
    """The ops of a table, or None when any column needs the Python path (or the plan and the
    package's layout disagree)."""
    if len(plan.columns) != len(layout) or not layout:
        return None
    ops = []
    for column, stored in zip(plan.columns, layout):
        if (column.name, column.sql_type, column.nullable, column.encrypted) != \
                (stored.name, stored.sql_type, stored.nullable, stored.encrypted):
            return None
        op = column_op(column)
        if op is None:
            return None
        ops.append(op)
    return ops


def available(conn):
    """The _load module when it may work on this connection, else None."""
    return native.for_connection("_load", conn)


class ReadAhead:
    """A stream's next read(READ_CHUNK) done in a thread while the caller loads the last one.

    Inflating (zlib) and the C loader both run without the GIL, so the two overlap. The caller
    sees exactly the reads it asks for: the bytes are those of stream.read(n) (n >= READ_CHUNK, as
    decode_stream asks), and an error of a read ahead is raised by the caller's next read, the
    one that would have met it (a read that is never asked for never raises)."""

    def __init__(self, stream, executor):
        self.stream = stream
        self.executor = executor
        self.pending = executor.submit(stream.read, READ_CHUNK)

    def read(self, size):
        pending, self.pending = self.pending, None
        if pending is None:                   # past the end: no read ahead
            return self.stream.read(size)
        data = pending.result()
        if size > READ_CHUNK and len(data) == READ_CHUNK:
            data += self.stream.read(size - READ_CHUNK)
        if data:
            self.pending = self.executor.submit(self.stream.read, READ_CHUNK)
        return data

    def close(self):
        """Wait for the read under way (the stream is closed next); its outcome is not wanted."""
        if self.pending is not None:
            concurrent.futures.wait([self.pending])
            self.pending = None


class NativeTableLoad:
    """One table's data parts through the C loader, with the Python decoder for what it leaves."""

    def __init__(self, module, loader, layout):
        self.loader = loader                  # the engine's _TableLoader (Python inserts, row count)
        self.codec = RowCodec(loader.plan.table.full_name, layout)
        self.native = module.Loader(loader.conn, loader.sql, column_ops(loader.plan, layout))

    @classmethod
    def create(cls, loader, layout):
        """A NativeTableLoad, or None when the module or the table's columns rule it out."""
        module = available(loader.conn)
        if module is None or column_ops(loader.plan, layout) is None:
            return None
        return cls(module, loader, layout)

    @property
    def rows_loaded(self):
        return self.native.rows_loaded

    def close(self):
        if self.native is not None:
            STATISTICS["rows"] += self.native.rows_loaded
            STATISTICS["tables"] += 1
            self.native.close()
            self.native = None

    def batches(self, reader, table_data):
        """(rows inserted in C, rows left for the Python loader, BCP bytes of the table read so
        far) per buffer, as PackageReader.row_batches reads the parts (and with its errors)."""
        if table_data.data_bytes <= READ_CHUNK:
            # One read takes all of it: nothing to overlap, and a thread per small table would be
            # most of the cost of importing 50,000 of them.
            yield from reader.row_batches(table_data, self.codec, fast_path=self._load)
            return
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bacpac-inflate") as inflater:
            yield from reader.row_batches(table_data, self.codec, fast_path=self._load,
                                          wrap_stream=lambda stream: ReadAhead(stream, inflater))

    def stream_batches(self, stream, source_name="", size=None):
        """(rows inserted in C, rows decoded in Python, offset) per buffer of one stream."""
        return self.codec.decode_stream(stream, source_name, size, fast_path=self._load)

    def _load(self, buf):
        pos, count, failure = self.native.load(buf, 0)
        if failure is not None:
            raise EngineError(f"table {self.codec.table_name}: SQLite refused a row after row {self.loader.rows}: "
                              f"{failure}")
        return pos, count
