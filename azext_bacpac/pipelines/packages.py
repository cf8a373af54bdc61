"""Opening a stored package for reading, with the checksum rule of import and inspect."""
import contextlib
import io

from ..errors import InvalidInputError
from ..format.errors import ChecksumMismatchError
from ..format.package import PackageReader


@contextlib.contextmanager
def open_package(location, verify_checksum=True):
    """A PackageReader over a storage location. A model.xml that does not match Origin.xml's
    checksum is refused (as SqlPackage does) unless verify_checksum is False."""
    with location.open_read() as stream:
        try:
            reader = PackageReader(stream, verify_checksum=verify_checksum, source_name=str(location))
        except ChecksumMismatchError as error:
            raise InvalidInputError(f"{error}; it is refused, as SqlPackage refuses it (inspecting the "
                                    f"package still shows what it holds)") from None
        with reader:
            yield reader


class ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte chunks that counts what was read."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""
        self.position = 0

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer = self._buffer + chunk if self._buffer else chunk
        if size < 0 or size >= len(self._buffer):
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.position += len(data)
        return data


def table_batches(reader, table_data, codec=None):
    """(rows, BCP bytes read so far in this table) for each decoded batch of a table."""
    codec = codec or reader.row_codec(table_data)
    done = 0
    for entry, chunks in reader.raw_parts(table_data):
        stream = ChunkStream(chunks)
        for rows in codec.decode_stream(stream, entry):
            yield rows, done + stream.position
        done += stream.position
