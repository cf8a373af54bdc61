"""Export rows encoded by the native encoder (azext_bacpac/native/_encode.c), with per-row fallback.

encoded_batches() yields (BCP bytes, row count) for one table (or one part of it): the rows the C
encoder is sure of come straight from SQLite as BCP bytes; any other row comes back as the tuple
Python's sqlite3 would have fetched and goes through the table's row mapper and RowCodec, with
their errors. Batches hold BATCH_ROWS rows, as read_batches() gives them, so that data parts (and
so the package) come out exactly as on the pure-Python path. Errors come in the same precedence as
there, batch by batch: a SQLite error, then the first row the mapper refuses, then the first row
the codec refuses.

column_ops() describes a table to the C encoder, or gives None when some column has a type family
it does not cover (sql_variant, ...): such tables take the pure-Python path whole.
"""
import sqlite3

from .. import native
from ..format.sqltypes import FixedCodec, codec_for
from .sqlite_export import BATCH_ROWS, _row_error, _select_sql, read_batches
from .sqlite import engine_error
from .sqlite_types import export_fast_adapter

# Whether varchar/char/text values must be ASCII to be encoded natively (the Python codec writes
# every character type as UTF-16LE, so this is caution, not a difference in the bytes).
ASCII_ONLY_VARCHAR = True

_INTEGER_WIDTHS = {"tinyint": 1, "smallint": 2, "int": 4, "bigint": 8}
_FIXED_FAMILIES = {"bit": "bit", "real": "real", "float": "float", "money": "money", "smallmoney": "smallmoney",
                   "uniqueidentifier": "uniqueidentifier", "date": "date", "time": "time",
                   "datetime2": "datetime2", "datetime": "datetime", "smalldatetime": "smalldatetime",
                   "datetimeoffset": "datetimeoffset", "decimal": "decimal", "numeric": "decimal"}
_TEXT_TYPES = {"char", "varchar", "nchar", "nvarchar", "text", "ntext", "xml", "sysname"}
_NARROW_TEXT = {"char", "varchar", "text"}
_BLOB_TYPES = {"binary", "varbinary", "image", "rowversion", "timestamp", "geography", "geometry", "hierarchyid"}


def column_op(layout, output, families):
    """(family, input, prefix, nullable, a, b) for the C encoder, or None (not covered)."""
    sql_type, name = layout.sql_type, layout.sql_type.name
    if isinstance(output, int):
        source = output
        if export_fast_adapter(sql_type, layout.encrypted) is not None:
            return None
    elif len(output) == 2:
        source = output[1]
        if export_fast_adapter(sql_type, layout.encrypted) is None:
            return None
    else:
        return None                     # sql_variant with its exact bytes (sqlite_catalog.VARIANTS_TABLE)
    codec = codec_for(sql_type, layout.nullable, layout.encrypted)
    if isinstance(codec, FixedCodec):
        prefix = 1 if layout.nullable or codec.prefix_not_null else 0
    else:
        if codec.null_length is not None:
            return None
        prefix = codec.prefix
    if layout.encrypted or name in _BLOB_TYPES:
        # Always Encrypted ciphertext, binary, CLR types: bytes as stored; binary(n) zero-padded.
        if isinstance(codec, FixedCodec):
            return None
        pad = (sql_type.length or 1) if name == "binary" and not layout.encrypted else 0
        return families["binary"], source, prefix, 1, pad, 0
    if name in _TEXT_TYPES:
        padded = name in ("char", "nchar") and not sql_type.is_max
        pad = (sql_type.length or 1) if padded else 0
        ascii_only = int(ASCII_ONLY_VARCHAR and name in _NARROW_TEXT)
        return families["text"], source, prefix, 1, pad, ascii_only
    if name in _INTEGER_WIDTHS:
        return families["int"], source, prefix, int(layout.nullable), _INTEGER_WIDTHS[name], 0
    family = _FIXED_FAMILIES.get(name)
    if family is None:
        return None
    a = b = 0
    if family == "decimal":
        a = 18 if sql_type.precision is None else sql_type.precision
        b = sql_type.scale or 0
        if not 1 <= a <= 38 or not 0 <= b <= a:
            return None
    if family == "float" and codec.width != 8 or family == "real" and codec.width != 4:
        return None
    return families[family], source, prefix, int(layout.nullable), a, b


def column_ops(spec, codec, module):
    """The op table of a table for module.Encoder, or None when a column is not covered."""
    if len(spec.outputs) != len(codec.columns):
        return None
    ops = []
    for layout, output in zip(codec.columns, spec.outputs):
        op = column_op(layout, output, module.FAMILIES)
        if op is None:
            return None
        ops.append(op)
    return tuple(ops)


def native_usable(conn):
    """Whether the C encoder may read this connection: the module is there, the handle is shared
    safely, and values come back as they would to Python (str text, a UTF-8 database)."""
    return conn.text_factory is str and native.for_connection("_encode", conn, utf8=True) is not None


def python_batches(conn, spec, part, encode, batch_rows=BATCH_ROWS):
    """The pure-Python path: read_batches, then encode(rows, rows before them)."""
    done = 0
    for rows in read_batches(conn, spec, part, batch_rows):
        yield encode(rows, done), len(rows)
        done += len(rows)


def encoded_batches(conn, spec, codec, part, encode, batch_rows=BATCH_ROWS, usable=None):
    """(BCP bytes, rows) batches of a table (or of one part of it); see the module docstring.

    encode(rows, done) encodes rows that follow `done` rows of this read (it names the row in its
    errors). `usable` is native_usable(conn), when already known.
    """
    module = native.module("_encode")
    ops = column_ops(spec, codec, module) if module is not None else None
    if ops is None or not (native_usable(conn) if usable is None else usable):
        yield from python_batches(conn, spec, part, encode, batch_rows)
        return
    try:
        encoder = module.Encoder(conn, _select_sql(spec, part), ops)
    except sqlite3.Error as error:
        raise engine_error(error, f"table '{spec.sqlite_name}'") from None
    except ValueError:                  # an op the C side refuses: this table is Python's
        yield from python_batches(conn, spec, part, encode, batch_rows)
        return
    try:
        yield from _native_batches(encoder, spec, part, encode, batch_rows)
    finally:
        encoder.close()


def _native_batches(encoder, spec, part, encode, batch_rows):
    mapper = spec.mapper
    done = 0
    while True:
        pieces, count = [], 0
        mapping_error = encode_error = None
        try:
            while count < batch_rows:
                data, rows, row = encoder.read(batch_rows - count)
                if rows:
                    pieces.append(data)
                    count += rows
                if row is None:
                    if encoder.finished:
                        break
                    continue
                if mapping_error is None and mapper is not None:
                    try:
                        row = mapper(row)
                    except Exception:   # noqa: BLE001 - reported naming the row and column
                        mapping_error = _row_error(spec, [row], done + count, part)
                if mapping_error is None and encode_error is None:
                    try:
                        pieces.append(encode([row], done + count))
                    except Exception as error:   # noqa: BLE001 - raised once the batch is read
                        encode_error = error
                count += 1
        except sqlite3.Error as error:
            raise engine_error(error, f"table '{spec.sqlite_name}'") from None
        # As on the Python path: the batch's mapping error first, then its encoding error.
        if mapping_error is not None:
            raise mapping_error
        if encode_error is not None:
            raise encode_error
        if not count:
            return
        yield b"".join(pieces), count
        done += count
        if count < batch_rows:
            return
