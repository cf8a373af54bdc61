"""Reading whole BACPAC packages, streaming table data in bounded memory.

PackageReader opens any seekable binary stream (or a path): the model, Origin.xml, the tables and
their data files, and one row iterator per table. Writing is assembly.py's (PackageAssembler, and
PackageWriter, its front end for rows).
"""
import datetime
import functools
import hashlib
import io
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from .bcp import ColumnLayout, RowCodec
from .errors import (ChecksumMismatchError, DataError, MissingPartError, ModelError, ModelTooLargeError,
                     PackageError, PackageTooLargeError, UnsafeEntryError)
from .model import quote, split_name
from .model_stream import ModelParser
from .xmlio import BOM
from .parts import (Origin, content_types_bytes, dac_metadata_bytes, model_checksum, read_dac_metadata,
                    read_relationships, relationships_bytes)

MODEL = "model.xml"
ORIGIN = "Origin.xml"
METADATA = "DacMetadata.xml"
CONTENT_TYPES = "[Content_Types].xml"
RELS = "_rels/.rels"
DATA_NAME = re.compile(r"^Data/(?P<folder>[^/]+)/TableData-(?P<stream>\d{3})-(?P<chunk>\d{5})\.BCP$")
MAX_DEFLATE_RATIO = 1032          # deflate cannot expand data more than ~1032:1
MAX_XML_PART = 1 << 30
MAX_MODEL_BYTES = 256 << 20       # default cap on model.xml (a model of 50,000 3-column tables is ~125 MB)
MAX_TOTAL_BYTES = 1 << 40         # default cap on the uncompressed bytes all entries declare (1 TiB)
DEFAULT_PART_BYTES = 64 << 20     # uncompressed bytes per TableData part before a new one starts


@dataclass
class PartSource:
    """A part's bytes without holding them: `size` and chunks() (a fresh iterator each call)."""
    size: int
    chunks: object

    def read(self):
        return b"".join(self.chunks())


@dataclass
class TableData:
    """A table of the model with the data parts that hold its rows."""
    schema: str
    name: str
    table: object                  # model.Table
    entries: list = field(default_factory=list)   # zip entry names, in row order
    data_bytes: int = 0            # uncompressed BCP bytes
    compressed_bytes: int = 0

    @property
    def full_name(self):
        return quote(self.schema, self.name)


def table_layout(model, table):
    """The BCP column layout of a model table (computed columns have no data)."""
    return [_column_layout(column.name, model.resolved_type(column), column.nullable, column.is_encrypted)
            for column in table.stored_columns]


@functools.lru_cache(maxsize=4096)      # shared by the tables that have the column: ERP schemas repeat them
def _column_layout(name, sql_type, nullable, encrypted):
    return ColumnLayout(name, sql_type, nullable, encrypted)


def _shown(name, limit=200):
    """An entry name for a message: repr'd, and cut short (a damaged name may be any bytes, any length)."""
    return repr(name) if len(name) <= limit else repr(name[:limit]) + f"... ({len(name)} characters)"


def _check_entry_name(name):
    if ("\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name)
            or any(part == ".." for part in name.split("/"))):
        raise UnsafeEntryError(f"entry name {_shown(name)} is not allowed in a BACPAC (absolute path, '..', "
                               f"backslash or NUL)")


def _not_a_zip(source, name, error):
    """Why `source` cannot be opened as a ZIP package, in the user's terms. A ZIP ends with its central
    directory, so a cut-short copy or download starts like a package ("PK\\3\\4") but has no end."""
    head, size = _head_and_size(source)
    if size == 0:
        return f"{name} is empty (0 bytes), not a BACPAC"
    if isinstance(error, zipfile.BadZipFile) and head == b"PK\x03\x04":
        return (f"{name} is truncated ({size} bytes): it begins as a BACPAC but its end (the ZIP central directory) "
                f"is missing, so the copy or download was cut short")
    return f"{name} is not a BACPAC (not a readable ZIP package: {error})"


def _head_and_size(source):
    """(first 4 bytes, size) of a path or a seekable file object, or (None, None); its position is kept."""
    try:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                return handle.read(4), os.fstat(handle.fileno()).st_size
        position = source.tell()
        try:
            source.seek(0)
            head = source.read(4)
            return head, source.seek(0, os.SEEK_END)
        finally:
            source.seek(position)
    except (OSError, ValueError, AttributeError):
        return None, None


class PackageReader:
    """A BACPAC opened for reading. Use as a context manager or call close()."""

    def __init__(self, source, verify_checksum=True, source_name=None, max_total_bytes=MAX_TOTAL_BYTES,
                 max_model_bytes=MAX_MODEL_BYTES):
        self.source_name = source_name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "package")
        self.max_total_bytes = max_total_bytes      # None: no cap (the per-entry deflate ratio still holds)
        self.max_model_bytes = max_model_bytes      # None: only MAX_XML_PART
        try:
            self._zip = zipfile.ZipFile(source, "r")
        except FileNotFoundError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as error:     # NotImplementedError: "zip file version 14.8" and the like
            raise PackageError(_not_a_zip(source, self.source_name, error)) from None
        try:
            self._index()
            self._part_info(MODEL, required=True)
            self.origin_bytes = self._read_part(ORIGIN, required=True)
            self.origin = Origin.from_bytes(self.origin_bytes)
            model, self.checksum, self.model_bom, model_error = self._load_model()
            expected = self.origin.checksums.get("/model.xml")
            self.checksum_verified = expected is not None and expected.upper() == self.checksum
            if verify_checksum and not self.checksum_verified:
                raise ChecksumMismatchError(
                    f"{self.source_name}: model.xml does not match the checksum in Origin.xml "
                    f"(stored {expected or 'none'}, computed {self.checksum}); the package was altered or damaged")
            if model_error is not None:
                raise model_error
            self.model = model
            self.metadata_bytes = self._read_part(METADATA)
            self.metadata = read_dac_metadata(self.metadata_bytes) if self.metadata_bytes is not None else {}
            self._bind_tables()
        except BaseException:
            self._zip.close()
            raise

    def _load_model(self):
        """(Model or None, checksum, starts with a BOM, the ModelError that stopped the parse or None):
        model.xml is read once, in pieces, hashed and parsed as it comes (never held whole)."""
        checksum, parser, error, bom = hashlib.sha256(), ModelParser(MODEL), None, None
        for chunk in self._part_chunks(MODEL):
            if bom is None:
                bom = chunk.startswith(BOM)
            checksum.update(chunk)
            if error is None:
                try:
                    parser.feed(chunk)
                except ModelError as failure:
                    error = failure          # read on: the checksum (and its error) comes first
        model = None
        if error is None:
            try:
                parser.feed(b"", final=True)
                model = parser.model()
            except ModelError as failure:
                error = failure
        return model, checksum.hexdigest().upper(), bool(bom), error

    @property
    def model_bytes(self):
        """model.xml's bytes exactly as stored (read again from the package: not kept in memory)."""
        return self._read_part(MODEL, required=True)

    def model_part(self):
        """model.xml as a PartSource: its size and its bytes in pieces, read again on demand."""
        return PartSource(self._part_info(MODEL, required=True).file_size, lambda: self._part_chunks(MODEL))

    # -- structure -----------------------------------------------------------------------------
    def _index(self):
        self._entries = {}
        folded = set()
        for info in self._zip.infolist():
            _check_entry_name(info.orig_filename)   # zipfile cuts names at NUL; the original keeps it
            if info.filename in self._entries:
                raise UnsafeEntryError(f"{self.source_name}: entry {_shown(info.filename)} appears twice")
            if info.filename.casefold() in folded:
                # Packages are read case-insensitively elsewhere (Windows, DacFx): Model.xml beside model.xml
                # would be a second model that another reader may take instead of ours.
                raise UnsafeEntryError(f"{self.source_name}: entry {_shown(info.filename)} appears twice "
                                       f"(names that differ only in case)")
            folded.add(info.filename.casefold())
            if info.flag_bits & 0x61:       # encrypted, patched data, strong encryption
                raise PackageError(f"{self.source_name}: entry {_shown(info.filename)} is encrypted or patched "
                                   f"(ZIP flags {info.flag_bits:#06x}), which BACPACs never are")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise UnsafeEntryError(f"{self.source_name}: entry {_shown(info.filename)} declares {info.file_size} "
                                       f"bytes but stores {info.compress_size}")
            if info.compress_type == zipfile.ZIP_DEFLATED and \
                    info.file_size > info.compress_size * MAX_DEFLATE_RATIO + 1024:
                raise UnsafeEntryError(f"{self.source_name}: entry {_shown(info.filename)} declares {info.file_size} "
                                       f"bytes from {info.compress_size} compressed bytes, more than deflate "
                                       f"can produce (a damaged or hostile package)")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise PackageError(f"{self.source_name}: entry {_shown(info.filename)} uses compression method "
                                   f"{info.compress_type}, which BACPACs never use")
            self._entries[info.filename] = info
        declared = sum(info.file_size for info in self._entries.values())
        if self.max_total_bytes is not None and declared > self.max_total_bytes:
            raise PackageTooLargeError(f"{self.source_name}: its entries declare {declared} bytes uncompressed in "
                                       f"all, more than the limit of {self.max_total_bytes} bytes (a ZIP bomb, or "
                                       f"a genuinely huge package)", declared, self.max_total_bytes)

    def _part_info(self, name, required=False):
        info = self._entries.get(name)
        if info is None:
            if required:
                raise MissingPartError(f"{self.source_name}: '{name}' is missing from the package")
            return None
        if info.file_size > self._part_limit(name):
            raise self._too_large(name, f"declares {info.file_size} bytes", self._part_limit(name))
        return info

    def _part_limit(self, name):
        if name == MODEL and self.max_model_bytes is not None:
            return min(MAX_XML_PART, self.max_model_bytes)
        return MAX_XML_PART

    def _read_part(self, name, required=False):
        if self._part_info(name, required) is None:
            return None
        return b"".join(self._part_chunks(name))

    def _part_chunks(self, name, chunk_size=1 << 20):
        """An XML part's bytes in pieces; more than its limit is refused as it is read (a header
        may understate the size)."""
        info, limit, total = self._entries[name], self._part_limit(name), 0
        try:
            with self._zip.open(info) as part:
                while True:
                    chunk = part.read(min(chunk_size, limit + 1 - total))
                    if not chunk:
                        return
                    total += len(chunk)
                    if total > limit:
                        raise self._too_large(name, "holds more bytes than it declares and", limit)
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise PackageError(f"{self.source_name}: '{name}' cannot be read: {error}") from None

    def _too_large(self, name, what, limit):
        if name == MODEL and limit == self.max_model_bytes:
            return ModelTooLargeError(f"{self.source_name}: '{name}' {what} more than the limit of {limit} bytes "
                                      f"for a model")
        return UnsafeEntryError(f"{self.source_name}: '{name}' {what} more than an XML part may hold")

    def _bind_tables(self):
        rels = self._read_part(RELS)
        bound = read_relationships(rels) if rels is not None else {}
        tables = {}
        for table in self.model.tables:
            tables[(table.schema, table.name)] = TableData(table.schema, table.name, table)
        found = []
        for name, info in self._entries.items():
            if not name.startswith("Data/"):
                continue
            match = DATA_NAME.match(name)
            if match is None:
                raise PackageError(f"{self.source_name}: data entry {_shown(name)} is not named "
                                   f"Data/<schema>.<table>/TableData-NNN-NNNNN.BCP")
            key = bound.get(name)
            if key is None or None in key:
                schema, _, table_name = match.group("folder").partition(".")
                key = (schema, table_name)
            if key not in tables:
                raise PackageError(f"{self.source_name}: data entry {_shown(name)} belongs to no table of model.xml")
            found.append((int(match.group("stream")), int(match.group("chunk")), name, key, info))
        for _, _, name, key, info in sorted(found):
            data = tables[key]
            data.entries.append(name)
            data.data_bytes += info.file_size
            data.compressed_bytes += info.compress_size
        self.tables = list(tables.values())
        self._tables = tables

    def table(self, schema, name=None):
        """TableData by (schema, name) or by a '[schema].[name]' / 'schema.name' string."""
        if name is None:
            parts = split_name(schema) if schema.startswith("[") else schema.split(".", 1)
            schema, name = (parts[0], parts[1]) if len(parts) == 2 else ("dbo", parts[0])
        found = self._tables.get((schema, name))
        if found is None:
            raise PackageError(f"{self.source_name}: there is no table {quote(schema, name)} in the package")
        return found

    # -- data ----------------------------------------------------------------------------------
    def row_codec(self, table_data):
        return RowCodec(table_data.full_name, table_layout(self.model, table_data.table))

    def row_batches(self, table_data, codec=None, with_bytes=False, fast_path=None, wrap_stream=None,
                    thin_large=False):
        """Lists of row tuples, across all of the table's data parts, in bounded memory.

        With `with_bytes`, yields (rows, BCP bytes of this table consumed so far) for progress.
        With `fast_path` (see RowCodec.decode_stream), yields (rows taken by the fast path, rows,
        bytes so far). `wrap_stream(stream)` gives the object each part is read through instead
        (read() and close(), e.g. inflating ahead in a thread); its close() ends each part.
        With `thin_large`, values larger than a read are checked but not held (RowCodec.decode_stream):
        for callers that only count rows.
        """
        codec = codec or self.row_codec(table_data)
        done = 0
        for entry in table_data.entries:
            info = self._entries[entry]
            try:
                with self._zip.open(info) as stream:
                    source = stream if wrap_stream is None else wrap_stream(stream)
                    try:
                        if fast_path is not None:
                            for count, rows, offset in codec.decode_stream(source, entry, info.file_size,
                                                                           fast_path=fast_path,
                                                                           thin_large=thin_large):
                                yield count, rows, done + offset
                        else:
                            for rows, offset in codec.decode_stream(source, entry, info.file_size,
                                                                    with_offsets=True, thin_large=thin_large):
                                yield (rows, done + offset) if with_bytes else rows
                    finally:
                        if source is not stream:
                            source.close()
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
                # OSError/ValueError: a header offset that lies (a seek before the file's start)
                raise DataError(f"{self.source_name}: table {table_data.full_name}: {entry} cannot be read: "
                                f"{error}") from None
            done += info.file_size

    def rows(self, table_data):
        for batch in self.row_batches(table_data):
            yield from batch

    def raw_parts(self, table_data, chunk_size=1 << 20):
        """(entry name, iterator of byte chunks) for each data part: the BCP bytes as stored."""
        for entry in table_data.entries:
            yield entry, self._iter_entry(table_data, entry, chunk_size)

    def _iter_entry(self, table_data, entry, chunk_size):
        try:
            with self._zip.open(self._entries[entry]) as stream:
                while True:
                    chunk = stream.read(chunk_size)
                    if not chunk:
                        return
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise DataError(f"{self.source_name}: table {table_data.full_name}: {entry} cannot be read: "
                            f"{error}") from None

    def count_rows(self, table_data):
        """The table's rows, every cell checked as an import would, in bounded memory: a value larger
        than a read is checked as it streams past and never held whole."""
        return sum(len(batch) for batch in self.row_batches(table_data, thin_large=True))

    @property
    def entry_names(self):
        return list(self._entries)

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()
