"""The BCP native row stream: a per-table layout compiled once, then applied to every row.

A table's columns (model order, computed columns left out) are compiled into two small Python
functions, one that decodes as many whole rows as a buffer holds and one that encodes a row.
Runs of NOT NULL fixed-width columns become a single struct call; each other column a few lines
specialised to its prefix width and codec. Nothing is dispatched per value at run time.
"""
import dataclasses
import functools
import struct
from dataclasses import dataclass

from .errors import DataError, EncodeError
from .bcp_large import READ_CHUNK, _Truncated, read_whole_row, thinned_row
from .sqltypes import FixedCodec, codec_for

LARGE_READ = 4 * READ_CHUNK   # a row needing more than this is read whole at once, or thinned
MAX_CELL_BYTES = 2**31 - 1    # SQL Server's own ceiling for a (max) value

_NULL_MARKERS = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF, 8: 0xFFFFFFFFFFFFFFFF}
_PREFIX_FORMATS = {1: "B", 2: "H", 4: "I", 8: "Q"}


@dataclass(frozen=True)
class ColumnLayout:
    """What the codec needs to know of one stored column."""
    name: str
    sql_type: object
    nullable: bool = True
    encrypted: bool = False


class _NeedMore(Exception):
    """The buffer ends inside a row; `need` is the absolute buffer length the row requires."""

    def __init__(self, need=0):
        self.need = need


class _BadCell(Exception):
    """A value that decodes but that its column cannot hold (SQL Server would refuse it)."""

    def __init__(self, column, message):
        super().__init__(message)
        self.column, self.message = column, message


class _BadPrefix(Exception):
    def __init__(self, column, value, row_start):
        self.column, self.value, self.row_start = column, value, row_start


def _cell_check(index, column, value):
    """Lines that refuse a decoded value its column cannot hold, whichever decoder ran (RowCodec's own or
    an engine's raw decoder): decimal/numeric bytes must carry the column's precision and scale, a sign
    byte of 0 or 1 and a magnitude below 10**precision; float and real must be finite (SQL Server has
    no NaN or infinity). `value` names the raw value in the generated code."""
    if column.encrypted:
        return []
    name = column.sql_type.name
    if name in ("decimal", "numeric"):
        precision = 18 if column.sql_type.precision is None else column.sql_type.precision
        scale = column.sql_type.scale or 0
        return [f"if {value}[0] != {precision} or {value}[1] != {scale} or {value}[2] > 1 or "
                f"int.from_bytes({value}[3:19], 'little') >= {10 ** precision}: "
                f"raise _BadCell({index}, _decimal_problem({value}, {precision}, {scale}))"]
    if name in ("float", "real"):
        return [f"if not -_INF < {value} < _INF: raise _BadCell({index}, f'{{{value}!r}} is not a finite number "
                f"(SQL Server has no NaN or infinity)')"]
    return []


def _decimal_problem(raw, precision, scale):
    if raw[0] != precision or raw[1] != scale:
        return (f"the value is stored as decimal({raw[0]},{raw[1]}) but the column is decimal({precision},{scale}); "
                f"it would be read with the wrong scale")
    if raw[2] > 1:
        return f"sign byte {raw[2]} is neither 0 (negative) nor 1 (positive)"
    return f"the value has more than {precision} digits, the column's precision"


def _compile(columns, decoders=None):
    """Generate the decode and encode functions for one table layout (`decoders`: see RowCodec)."""
    names = {"_NeedMore": _NeedMore, "_BadPrefix": _BadPrefix, "_BadCell": _BadCell, "_INF": float("inf"),
             "_decimal_problem": _decimal_problem}
    decode = ["def decode_rows(buf, pos, end, append):",
              "    start = pos",
              "    try:",
              "        while pos < end:",
              "            start = pos"]
    encode = ["def encode_row(row):",
              f"    ({''.join(f'c{i}, ' for i in range(len(columns)))}) = row",
              "    parts = []",
              "    add = parts.append"]
    run = []   # pending run of NOT NULL fixed columns: (index, codec)

    def flush_run():
        if not run:
            return
        fmt = "<" + "".join(codec.fmt for _, codec in run)
        key = f"S{run[0][0]}"
        names[key] = struct.Struct(fmt)
        names[key + "u"] = names[key].unpack_from
        names[key + "p"] = names[key].pack
        items, decoded, packed = [], [], []
        for index, codec in run:
            count = len(struct.Struct("<" + codec.fmt).unpack(bytes(codec.width)))
            fields = [f"i{index}_{k}" for k in range(count)]
            items += fields
            decoded += ["            " + line for line in _cell_check(index, columns[index], fields[0])]
            if codec.decode is None:
                decoded.append(f"            c{index} = {fields[0]}")
            else:
                names[f"D{index}"] = codec.decode
                decoded.append(f"            c{index} = D{index}({', '.join(fields)})")
            if codec.encode is None:
                packed.append(f"c{index}")
            else:
                names[f"E{index}"] = codec.encode
                packed.append(f"E{index}(c{index})" if count == 1 else f"*E{index}(c{index})")
        decode.append(f"            {', '.join(items)}, = {key}u(buf, pos)")
        decode.append(f"            pos += {names[key].size}")
        decode.extend(decoded)
        encode.append(f"    add({key}p({', '.join(packed)}))")
        run.clear()

    for index, column in enumerate(columns):
        codec = codec_for(column.sql_type, column.nullable, column.encrypted)
        if decoders and index in decoders:
            codec = dataclasses.replace(codec, decode=decoders[index])
        fixed = isinstance(codec, FixedCodec)
        if fixed and not column.nullable and not codec.prefix_not_null:
            run.append((index, codec))
            continue
        flush_run()
        if fixed:
            _compile_prefixed_fixed(index, codec, column.nullable, names, decode, encode,
                                    _cell_check(index, column, f"i{index}_0"))
        else:
            _compile_variable(index, codec, names, decode, encode)
    flush_run()
    decode += [f"            append(({''.join(f'c{i}, ' for i in range(len(columns)))}))",
               "    except (IndexError, struct_error):",
               "        return start, pos - start + 1",
               "    except _NeedMore as short:",
               "        return start, short.need",
               "    return pos, 0"]
    # The same row body in a loop: a batch with one list and one join, no call per row.
    batch = ["def encode_rows(rows):", "    parts = []", "    add = parts.append",
             f"    for ({''.join(f'c{i}, ' for i in range(len(columns)))}) in rows:"]
    batch += ["        pass"] + ["    " + line for line in encode[4:]] + ["    return b''.join(parts)"]
    encode.append("    return b''.join(parts)")
    names["struct_error"] = struct.error
    source = "\n".join(decode) + "\n\n" + "\n".join(encode) + "\n\n" + "\n".join(batch) + "\n"
    exec(compile(source, "<bcp layout>", "exec"), names)   # noqa: S102 - generated from our own table
    return names["decode_rows"], (names["encode_row"], names["encode_rows"]), source


def _compile_prefixed_fixed(index, codec, nullable, names, decode, encode, checks=()):
    prefix = 1
    width = codec.width
    value_struct = struct.Struct("<" + codec.fmt)
    names[f"V{index}"] = value_struct.unpack_from
    names[f"P{index}"] = struct.Struct("<B" + codec.fmt).pack
    count = len(value_struct.unpack(bytes(width)))
    fields = ", ".join(f"i{index}_{k}" for k in range(count))
    decode += [f"            n = buf[pos]; pos += {prefix}",
               f"            if n == {width}:",
               f"                {fields}, = V{index}(buf, pos); pos += {width}"]
    decode += ["                " + line for line in checks]
    if codec.decode is None:
        decode.append(f"                c{index} = i{index}_0")
    else:
        names[f"D{index}"] = codec.decode
        decode.append(f"                c{index} = D{index}({fields})")
    if nullable:
        decode += [f"            elif n == 255: c{index} = None"]
    decode += [f"            else: raise _BadPrefix({index}, n, start)"]
    if codec.encode is None:
        packed = f"c{index}"
    else:
        names[f"E{index}"] = codec.encode
        packed = f"E{index}(c{index})" if count == 1 else f"*E{index}(c{index})"
    if nullable:
        encode.append(f"    add(b'\\xff' if c{index} is None else P{index}({width}, {packed}))")
    else:
        encode.append(f"    add(P{index}({width}, {packed}))")


def _compile_variable(index, codec, names, decode, encode):
    prefix = codec.prefix
    marker = _NULL_MARKERS[prefix]
    fmt = _PREFIX_FORMATS[prefix]
    names[f"L{index}"] = struct.Struct("<" + fmt).unpack_from
    names[f"M{index}"] = struct.Struct("<" + fmt).pack
    names[f"D{index}"] = codec.decode
    names[f"E{index}"] = codec.encode
    limit = codec.max_bytes if codec.max_bytes is not None else MAX_CELL_BYTES
    decode += [f"            n, = L{index}(buf, pos); pos += {prefix}",
               f"            if n == {marker}: c{index} = None",
               f"            elif n > {limit}: raise _BadPrefix({index}, n, start)",
               "            else:",
               "                e = pos + n",
               "                if e > end: raise _NeedMore(e - start)",
               f"                c{index} = D{index}(buf[pos:e]); pos = e"]
    null_length = marker if codec.null_length is None else codec.null_length
    null = null_length.to_bytes(prefix, "little")
    names[f"N{index}"] = null
    encode += [f"    if c{index} is None: add(N{index})",
               "    else:",
               f"        b = E{index}(c{index}); add(M{index}(len(b))); add(b)"]


@functools.lru_cache(maxsize=512)
def _compiled_layout(signature):
    """_compile for a layout given as ((sql_type, nullable, encrypted), ...): the names do not matter."""
    return _compile([ColumnLayout(f"c{i}", *column) for i, column in enumerate(signature)])


class RowCodec:
    """Decodes and encodes the BCP rows of one table; build it once per table."""

    def __init__(self, table_name, columns, decoders=None):
        """`decoders` ({column index: function}) replaces the codec's decode function for those
        columns: it receives what that codec's decode would (the struct items of a fixed-width
        value, the bytes of a variable one) and returns the value to yield instead."""
        self.table_name = table_name
        self.columns = list(columns)
        self._decoders = decoders
        self._compiled = None

    def _functions(self):
        """The compiled functions, made on first use (a native path may never need them) and shared by
        every table of the same column types: a database of 50,000 tables compiles a few layouts."""
        if self._compiled is None:
            if self._decoders:
                self._compiled = _compile(self.columns, self._decoders)
            else:
                self._compiled = _compiled_layout(tuple((c.sql_type, c.nullable, c.encrypted) for c in self.columns))
        return self._compiled

    @property
    def _decode_rows(self):
        return self._functions()[0]

    @property
    def _encode_row(self):
        return self._functions()[1][0]

    @property
    def _encode_rows(self):
        return self._functions()[1][1]

    @property
    def source(self):
        return self._functions()[2]

    # -- encoding ------------------------------------------------------------------------------
    def encode(self, row):
        """The BCP bytes of one row (a sequence of values in column order)."""
        try:
            return self._encode_row(row)
        except Exception as error:   # re-raised with the column named
            raise self._encode_error(row, error) from None

    def encode_many(self, rows):
        try:
            return self._encode_rows(rows)
        except Exception:
            for row in rows:
                self.encode(row)
            raise

    def _encode_error(self, row, error):
        if len(row) != len(self.columns):
            return EncodeError(f"table {self.table_name}: a row has {len(row)} values for "
                               f"{len(self.columns)} columns")
        for column, value in zip(self.columns, row):
            try:
                RowCodec(self.table_name, [column])._encode_row((value,))
            except Exception as column_error:
                if value is None:
                    return EncodeError(f"table {self.table_name}, column {column.name}: NULL in a NOT NULL column")
                return EncodeError(f"table {self.table_name}, column {column.name} ({column.sql_type}): "
                                   f"cannot store {type(value).__name__} value: {column_error}")
        return EncodeError(f"table {self.table_name}: {error}")

    # -- decoding ------------------------------------------------------------------------------
    def decode_stream(self, stream, source_name="", size=None, with_offsets=False, fast_path=None,
                      thin_large=False):
        """Yield lists of rows decoded from a binary stream, until its end.

        `size` (the stream's declared length, when known) lets a length prefix that claims more
        than the data holds fail at once, instead of being read for. With `with_offsets`, yields
        (rows, bytes of the stream consumed by these and all earlier rows).

        `fast_path(buf) -> (pos, count)` takes whole rows off the front of each buffer first (count
        rows, up to byte pos: a compiled loader that stores them itself, engines/sqlite_native_import)
        and this decoder the rest, with the same reads and messages; it then yields (count, rows,
        offset) for every buffer that held a row.

        A row larger than a few reads is read into one buffer of its size (bcp_large); with
        `thin_large` (callers that only check and count rows), its values of more than a read are
        checked as they stream past and stand as empty values instead: memory stays bounded
        whatever a value's size.
        """
        if not self.columns:
            # A row of no columns has no bytes: any data would decode to endless empty rows.
            if stream.read(1):
                raise DataError(f"table {self.table_name}: {source_name} holds data, but model.xml gives the "
                                f"table no stored columns")
            return
        buf = b""
        done = 0              # rows of this stream before buf
        offset = 0            # stream offset of buf[0]
        remaining = size
        need = 0
        while True:
            if need - len(buf) > LARGE_READ and thin_large:
                before = len(buf)
                rows, used, buf = self._thinned_row(buf, stream, source_name, offset, done)
                if remaining is not None:
                    remaining -= used + len(buf) - before
                offset += used
                done += 1
                need = 0
                if fast_path is not None:
                    yield 0, rows, offset
                else:
                    yield (rows, offset) if with_offsets else rows
                continue
            if need - len(buf) > LARGE_READ:
                before = len(buf)
                buf = read_whole_row(buf, stream, need)
                got = len(buf) - before
            else:
                chunk = stream.read(max(READ_CHUNK, need - len(buf)))
                got = len(chunk)
                buf = buf + chunk if buf else chunk
            if remaining is not None:
                remaining -= got
            if not buf:
                return
            rows = []
            pos, count, need = 0, 0, 0
            if fast_path is not None:
                pos, count = fast_path(buf)
            if pos < len(buf):
                pos, need = self._decode(buf, pos, rows, source_name, offset, done, count)
            buf = buf[pos:]
            offset += pos
            done += count + len(rows)
            if fast_path is not None:
                if count or rows:
                    yield count, rows, offset
            elif rows:
                yield (rows, offset) if with_offsets else rows
            if not got:
                if buf:
                    raise DataError(f"table {self.table_name}: {source_name} ends inside a row "
                                    f"({len(buf)} bytes left over at byte {offset}): the data is truncated")
                return
            if remaining is not None and need > len(buf) + remaining:
                raise DataError(f"table {self.table_name}: {source_name} has a row at byte {offset} that "
                                f"declares {need} bytes but only {len(buf) + remaining} remain: "
                                f"a length prefix is corrupt or the data is truncated")

    def _decode(self, buf, pos, rows, source_name, offset, done, count=0):
        """decode_rows() with its failures as DataErrors naming the row (`done`: rows of the stream
        before buf; `count`: rows of buf a fast path took)."""
        try:
            return self._decode_rows(buf, pos, len(buf), rows.append)
        except _BadPrefix as bad:
            raise self._bad_prefix(bad, source_name, offset) from None
        except _BadCell as bad:
            column = self.columns[bad.column]
            raise DataError(f"table {self.table_name}: {source_name}, row {done + count + len(rows) + 1}, column "
                            f"{column.name} ({column.sql_type}): {bad.message}") from None
        except (ValueError, OverflowError, UnicodeDecodeError) as error:
            raise DataError(f"table {self.table_name}: {source_name} holds a value that does not decode "
                            f"(row {count + len(rows) + 1} of a batch starting at byte {offset}): {error}") from None

    def _thinned_row(self, buf, stream, source_name, offset, done):
        """([the row], its bytes, what was read past it) for a row too large to hold (bcp_large)."""
        try:
            row, used, rest = thinned_row(self.columns, buf, stream)
        except _Truncated:
            raise DataError(f"table {self.table_name}: {source_name} ends inside a row (the row at byte "
                            f"{offset}): the data is truncated") from None
        except ValueError as error:
            raise DataError(f"table {self.table_name}: {source_name} holds a value that does not decode "
                            f"(row {done + 1}, at byte {offset}): {error}") from None
        rows = []
        pos, need = self._decode(row, 0, rows, source_name, offset, done)
        if need or pos != len(row):
            raise DataError(f"table {self.table_name}: {source_name} ends inside a row (the row at byte "
                            f"{offset}): the data is truncated")
        return rows, used, rest

    def _bad_prefix(self, bad, source_name, offset):
        column = self.columns[bad.column]
        return DataError(f"table {self.table_name}: {source_name}, column {column.name} ({column.sql_type}): "
                         f"length prefix {bad.value} is impossible for this type (row starting at byte "
                         f"{offset + bad.row_start})")
