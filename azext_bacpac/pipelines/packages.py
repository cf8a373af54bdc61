"""Opening a stored package for reading, with the checksum rule of import and inspect."""
import contextlib
import os

from ..errors import InvalidInputError
from ..format.errors import ChecksumMismatchError, ModelTooLargeError, PackageTooLargeError
from ..format.package import MAX_MODEL_BYTES, MAX_TOTAL_BYTES, PackageReader
from ..sizes import EXAMPLE, parse_size

# The cap on the uncompressed bytes a package's entries may declare in all (a ZIP bomb's claim).
# Each entry is also held to deflate's own ratio (package.MAX_DEFLATE_RATIO) whatever the cap.
MAX_UNCOMPRESSED_ENV = "AZEXT_BACPAC_MAX_UNCOMPRESSED_SIZE"
# The cap on model.xml (256 MiB unless this variable says otherwise): a model is held in memory whole.
MAX_MODEL_ENV = "AZEXT_BACPAC_MAX_MODEL_SIZE"


def max_uncompressed_bytes(value=None, variable=MAX_UNCOMPRESSED_ENV, default=MAX_TOTAL_BYTES):
    """The cap in bytes (None: no cap) from `value`, else the environment variable, else 1 TiB.

    Accepts a size (sizes.py: 500GB, 2TiB, 4T; units are powers of 1024); 0, 'none' or
    'unlimited' lift the cap.
    """
    if value is None:
        value = os.environ.get(variable)
        if value is None or not value.strip():
            return default
    if isinstance(value, int):
        return value or None
    if value.strip().lower() in ("none", "unlimited"):
        return None
    try:
        return parse_size(value) or None
    except ValueError:
        raise InvalidInputError(f"{variable}={value!r} is not a size: give {EXAMPLE}, or 0 for no limit") from None


@contextlib.contextmanager
def open_package(location, verify_checksum=True, max_total_bytes=None):
    """A PackageReader over a storage location. A model.xml that does not match Origin.xml's
    checksum is refused (as SqlPackage does) unless verify_checksum is False. A package whose
    entries declare more uncompressed bytes than max_uncompressed_bytes(max_total_bytes) is refused."""
    limit = max_uncompressed_bytes(max_total_bytes)
    model_limit = max_uncompressed_bytes(None, MAX_MODEL_ENV, MAX_MODEL_BYTES)
    with location.open_read() as stream:
        try:
            reader = PackageReader(stream, verify_checksum=verify_checksum, source_name=str(location),
                                   max_total_bytes=limit, max_model_bytes=model_limit)
        except ModelTooLargeError as error:
            raise ModelTooLargeError(f"{error}; if the model is genuinely this large, raise the limit with the "
                                     f"environment variable {MAX_MODEL_ENV} (e.g. 1GiB)") from None
        except ChecksumMismatchError as error:
            raise InvalidInputError(f"{error}; it is refused, as SqlPackage refuses it (inspecting the "
                                    f"package still shows what it holds)") from None
        except PackageTooLargeError as error:
            raise PackageTooLargeError(f"{error}; if it is genuinely this large, raise the limit with the "
                                       f"environment variable {MAX_UNCOMPRESSED_ENV} (e.g. 4TiB, or 0 for none)",
                                       error.declared, error.limit) from None
        with reader:
            yield reader


def table_batches(reader, table_data, codec=None):
    """(rows, BCP bytes read so far in this table) for each decoded batch of a table."""
    return reader.row_batches(table_data, codec, with_bytes=True)
