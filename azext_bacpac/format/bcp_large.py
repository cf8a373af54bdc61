"""Rows holding values larger than a read: read into one buffer, or checked without being held.

A (max) value may be up to 2 GiB. RowCodec.decode_stream reads a data part READ_CHUNK at a time;
a row that needs more is read here instead:

- read_whole_row(): into one preallocated buffer, chunk by chunk (concatenating reads would copy
  the value once per read and hold it two or three times over), for decoders that need the value;
- thinned_row(): for a caller that only checks and counts rows (inspect), each value of more than
  READ_CHUNK bytes is checked as it streams past (text must be whole UTF-16 code units) and left
  out: the row is rebuilt with that value empty, so the compiled decoder checks everything else
  with its usual messages, and memory stays within a few reads whatever the value's size.
"""
from .sqltypes import FixedCodec, codec_for, decode_text

READ_CHUNK = 1 << 20
_NULL_MARKERS = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF, 8: 0xFFFFFFFFFFFFFFFF}


class _Truncated(Exception):
    """The stream ended inside the row."""


def read_whole_row(buf, stream, need):
    """`buf` (the row's first bytes) grown to at least `need` bytes from `stream`, in one buffer
    allocated once (it may hold a little more: the bytes after the row). Shorter than `need` when
    the stream ends first."""
    whole = bytearray(need + READ_CHUNK)        # room for a last read that runs past the row
    whole[:len(buf)] = buf
    filled = len(buf)
    while filled < need:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            break
        whole[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    del whole[filled:]
    return whole


class _Cursor:
    """Reads a row's bytes from what was buffered, then from the stream."""

    def __init__(self, buf, stream):
        self.buf, self.pos, self.stream = bytes(buf), 0, stream
        self.consumed = 0

    def take(self, size):
        while len(self.buf) - self.pos < size:
            chunk = self.stream.read(max(READ_CHUNK, size - (len(self.buf) - self.pos)))
            if not chunk:
                raise _Truncated()
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        data = self.buf[self.pos:self.pos + size]
        self.pos += size
        self.consumed += size
        return data

    def skip(self, size):
        """Pass `size` bytes without keeping them, in reads of at most READ_CHUNK."""
        left = size
        while left:
            if self.pos == len(self.buf):
                self.buf = self.stream.read(min(READ_CHUNK, left))
                self.pos = 0
                if not self.buf:
                    raise _Truncated()
            step = min(left, len(self.buf) - self.pos)
            self.pos += step
            left -= step
        self.consumed += size

    def rest(self):
        return self.buf[self.pos:]


def thinned_row(columns, buf, stream):
    """(the row with its large values left out, bytes the row takes, the bytes read past it).

    `buf` starts at the row. Raises _Truncated when the stream ends inside the row, and
    ValueError for a large text value that is not whole UTF-16 code units."""
    cursor = _Cursor(buf, stream)
    out = bytearray()
    for column in columns:
        codec = codec_for(column.sql_type, column.nullable, column.encrypted)
        if isinstance(codec, FixedCodec):
            if not column.nullable and not codec.prefix_not_null:
                out += cursor.take(codec.width)
                continue
            prefix = cursor.take(1)
            out += prefix
            if prefix[0] == codec.width:
                out += cursor.take(codec.width)
            elif prefix[0] != 255 or not column.nullable:
                break                     # an impossible prefix: the decoder names it
            continue
        prefix = cursor.take(codec.prefix)
        length = int.from_bytes(prefix, "little")
        limit = codec.max_bytes if codec.max_bytes is not None else 2**31 - 1
        out += prefix if length == _NULL_MARKERS[codec.prefix] or length <= READ_CHUNK else bytes(codec.prefix)
        if length == _NULL_MARKERS[codec.prefix]:
            continue
        if length > limit:
            out[-codec.prefix:] = prefix  # a length the decoder refuses, with its message
            break
        if length <= READ_CHUNK:
            out += cursor.take(length)
            continue
        if codec.decode is decode_text and length % 2:
            raise ValueError(f"column {column.name}: a text value of {length} bytes is not whole UTF-16 code units")
        cursor.skip(length)               # checked as it streams past; it stands as an empty value
    return out, cursor.consumed, cursor.rest()
