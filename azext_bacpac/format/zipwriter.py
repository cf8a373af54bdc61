"""A ZIP writer for members whose data arrive already deflated, on any write-only stream.

Parallel exports compress each data part in a worker process; this writer assembles the package
from those raw deflate streams without recompressing anything. Every member's CRC-32 and sizes
are known before its data is written, so the writer never seeks (blob uploads are write-only)
and needs no data descriptors. Zip64 extra fields are written where a size or an offset passes
2 GiB - 1 (as Python's zipfile does), with a Zip64 end record when the directory needs one.

The headers follow Python's zipfile for the same member (version 2.0, or 4.5 with Zip64; flag
0x800 for names that are not ASCII; MS-DOS time stamps), so that any ZIP reader accepts them.
"""
import struct

from .deflate import deflate_bytes

STORED, DEFLATED = 0, 8
ZIP64_LIMIT = (1 << 31) - 1        # zipfile's own threshold: sizes/offsets above it use Zip64
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")


class _Entry:
    __slots__ = ("name", "flags", "method", "crc", "size", "compressed_size", "offset", "zip64")

    def __init__(self, name, flags, method, crc, size, compressed_size, offset, zip64):
        self.name, self.flags, self.method = name, flags, method
        self.crc, self.size, self.compressed_size = crc, size, compressed_size
        self.offset, self.zip64 = offset, zip64


def dos_stamp(date_time):
    year, month, day, hour, minute, second = date_time
    return (hour << 11 | minute << 5 | second // 2), ((year - 1980) << 9 | month << 5 | day)


class ZipStreamWriter:
    """Writes members one after another to `stream` (only .write is used), then the directory."""

    def __init__(self, stream, date_time=(1980, 1, 1, 0, 0, 0), library="zlib", level=None):
        self._stream = stream
        self._time, self._date = dos_stamp(date_time)
        self.library, self.level = library, level
        self.offset = 0
        self._entries = []
        self._names = set()
        self.closed = False

    def _write(self, data):
        self._stream.write(data)
        self.offset += len(data)

    @property
    def names(self):
        return [entry.name for entry in self._entries]

    def add_deflated(self, name, chunks, crc, size, compressed_size):
        """A member whose raw deflate data (an iterable of bytes, or bytes) is ready."""
        self._add(name, DEFLATED, chunks, crc, size, compressed_size)

    def add_bytes(self, name, data, compress=True):
        """A small member given whole: deflated here (or stored)."""
        if compress:
            packed, crc, size = deflate_bytes(data, self.library, self.level)
            self._add(name, DEFLATED, packed, crc, size, len(packed))
        else:
            from zlib import crc32
            self._add(name, STORED, data, crc32(data), len(data), len(data))

    def _add(self, name, method, chunks, crc, size, compressed_size):
        if self.closed:
            raise ValueError("the ZIP is already closed")
        if name in self._names:
            raise ValueError(f"duplicate ZIP entry {name!r}")
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800
        zip64 = size > ZIP64_LIMIT or compressed_size > ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, compressed_size) if zip64 else b""
        entry = _Entry(name, flags, method, crc, size, compressed_size, self.offset, zip64)
        self._write(_LOCAL.pack(0x04034B50, 45 if zip64 else 20, flags, method, self._time, self._date, crc,
                                0xFFFFFFFF if zip64 else compressed_size, 0xFFFFFFFF if zip64 else size,
                                len(encoded), len(extra)) + encoded + extra)
        written = 0
        if isinstance(chunks, (bytes, bytearray, memoryview)):
            chunks = (chunks,)
        for chunk in chunks:
            self._write(chunk)
            written += len(chunk)
        if written != compressed_size:
            raise ValueError(f"ZIP entry {name!r}: {written} bytes written, {compressed_size} declared")
        self._names.add(name)
        self._entries.append(entry)

    def close(self):
        """Write the central directory and the end records."""
        if self.closed:
            return
        start = self.offset
        for entry in self._entries:
            fields = []
            size, compressed_size, offset = entry.size, entry.compressed_size, entry.offset
            if size > ZIP64_LIMIT:
                fields.append(size)
                size = 0xFFFFFFFF
            if compressed_size > ZIP64_LIMIT:
                fields.append(compressed_size)
                compressed_size = 0xFFFFFFFF
            if offset > ZIP64_LIMIT:
                fields.append(offset)
                offset = 0xFFFFFFFF
            extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
            version = 45 if fields or entry.zip64 else 20
            try:
                encoded = entry.name.encode("ascii")
            except UnicodeEncodeError:
                encoded = entry.name.encode("utf-8")
            self._write(_CENTRAL.pack(0x02014B50, version, version, entry.flags, entry.method, self._time,
                                      self._date, entry.crc, compressed_size, size, len(encoded), len(extra),
                                      0, 0, 0, 0, offset) + encoded + extra)
        directory_size = self.offset - start
        count = len(self._entries)
        if count >= 0xFFFF or start > ZIP64_LIMIT or directory_size > ZIP64_LIMIT:
            end64 = self.offset
            self._write(_END64.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, directory_size, start))
            self._write(_LOCATOR64.pack(0x07064B50, 0, end64, 1))
            self._write(_END.pack(0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                  min(directory_size, 0xFFFFFFFF), min(start, 0xFFFFFFFF), 0))
        else:
            self._write(_END.pack(0x06054B50, 0, 0, count, count, directory_size, start, 0))
        flush = getattr(self._stream, "flush", None)
        if flush is not None:
            flush()
        self.closed = True
