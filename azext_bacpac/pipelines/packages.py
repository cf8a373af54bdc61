"""Opening a stored package for reading, with the checksum rule of import and inspect."""
import contextlib

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


def table_batches(reader, table_data, codec=None):
    """(rows, BCP bytes read so far in this table) for each decoded batch of a table."""
    return reader.row_batches(table_data, codec, with_bytes=True)
