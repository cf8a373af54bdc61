"""A BACPAC assembled from data parts deflated elsewhere (worker processes), written in one pass.

PackageAssembler is the one package writer. It writes model.xml,
DacMetadata.xml, [Content_Types].xml, the Data/<schema>.<table>/TableData-000-NNNNN.BCP parts
(numbered per table, in row order), _rels/.rels and Origin.xml (checksum and row total computed
here). Data parts arrive as raw deflate streams with their CRC-32 and sizes (PartBuilder makes
them) and are copied into the ZIP as they are: nothing is recompressed, nothing is seeked back to.

PackageWriter is its front end for rows (tests, benchmarks, tools): it encodes each table's rows
with the table's RowCodec into parts of at most `part_bytes` and hands them to the assembler.
"""
import hashlib
import time

from .deflate import RawDeflater
from .errors import PackageError
from .bcp import RowCodec
from .model import quote
from .package import CONTENT_TYPES, DEFAULT_PART_BYTES, METADATA, MODEL, ORIGIN, RELS, _check_entry_name, table_layout
from .parts import content_types_bytes, dac_metadata_bytes, relationships_bytes
from .parts import Origin
from .zipwriter import ZipStreamWriter


class DeflatedPart:
    """One TableData part's BCP bytes as a raw deflate stream (picklable, travels between processes)."""
    __slots__ = ("data", "crc", "size", "compressed_size", "rows")

    def __init__(self, data, crc, size, compressed_size, rows):
        self.data, self.crc, self.size, self.compressed_size, self.rows = data, crc, size, compressed_size, rows

    def __getstate__(self):
        return (self.data, self.crc, self.size, self.compressed_size, self.rows)

    def __setstate__(self, state):
        self.data, self.crc, self.size, self.compressed_size, self.rows = state


class PartBuilder:
    """Deflates the BCP bytes of whole rows into one part, in bounded pieces."""

    def __init__(self, library="zlib", level=None):
        self._deflater = RawDeflater(library, level)
        self._pieces = []
        self.rows = 0

    @property
    def size(self):
        return self._deflater.size

    def add(self, data, rows):
        """Append the encoded BCP bytes of `rows` whole rows."""
        if data:
            out = self._deflater.write(data)
            if out:
                self._pieces.append(out)
        self.rows += rows

    def finish(self):
        tail = self._deflater.finish()
        if tail:
            self._pieces.append(tail)
        data = b"".join(self._pieces)
        self._pieces = []
        deflater = self._deflater
        return DeflatedPart(data, deflater.crc, deflater.size, deflater.compressed_size, self.rows)


class _WriterContext:
    """`with` a writer: close() when the body succeeds, abort() (nothing more written) when it fails."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.close()
        else:
            self.abort()


class PackageAssembler(_WriterContext):
    """Writes a BACPAC to a write-only binary stream from pre-deflated data parts.

    Call add_part() for each part, tables in model order and each table's parts in row order (a
    table with no rows has no part), then close(). abort() stops without writing anything more.
    """

    def __init__(self, target, model, database_name, origin=None, model_bom=False, model_bytes=None,
                 library="zlib", level=None):
        self.model = model
        self.origin = origin or Origin()
        self.total_rows = 0
        self._zip = ZipStreamWriter(target, time.localtime()[:6], library, level)
        self._parts = []                  # (schema, table, entry) for _rels/.rels
        self._chunks = (None, 0)          # (schema, table) of the parts being written, next part number
        self._content_types_written = False
        self._closed = False
        # model.xml is deflated piece by piece as it is written out: never held whole (a model of
        # 50,000 tables is ~125 MB of XML, ~2 MB deflated).
        pieces = (model_bytes,) if model_bytes is not None else model.chunks(bom=model_bom)
        builder, checksum = PartBuilder(library, level), hashlib.sha256()
        for piece in pieces:
            checksum.update(piece)
            builder.add(piece, 0)
        part = builder.finish()
        self.model_checksum = checksum.hexdigest().upper()
        self._zip.add_deflated(MODEL, part.data, part.crc, part.size, part.compressed_size)
        self._zip.add_bytes(METADATA, dac_metadata_bytes(database_name))

    def _ensure_content_types(self, has_data):
        if not self._content_types_written:
            self._zip.add_bytes(CONTENT_TYPES, content_types_bytes(has_data))
            self._content_types_written = True

    def add_part(self, schema, name, part):
        """Write the next data part of table (schema, name); returns its entry name."""
        if self.model.table(schema, name) is None:
            raise PackageError(f"table {quote(schema, name)} is not in the model being written")
        self._ensure_content_types(True)
        # Parts come table by table, so one counter does (a table coming back would number its
        # parts from 0 again, and the ZIP writer refuses the repeated entry name).
        key = (schema, name)
        number = self._chunks[1] if key == self._chunks[0] else 0
        self._chunks = (key, number + 1)
        entry = f"Data/{schema}.{name}/TableData-000-{number:05d}.BCP"
        _check_entry_name(entry)
        self._zip.add_deflated(entry, part.data, part.crc, part.size, part.compressed_size)
        self._parts.append((schema, name, entry))
        self.total_rows += part.rows
        return entry

    @property
    def bytes_written(self):
        return self._zip.offset

    def close(self):
        """Write _rels/.rels and Origin.xml and finish the ZIP. Call only after a successful export."""
        if self._closed:
            return
        self._ensure_content_types(bool(self._parts))
        if self._parts:
            self._zip.add_bytes(RELS, relationships_bytes(self._parts), compress=False)
        origin = self.origin
        origin.checksums = {"/model.xml": self.model_checksum}
        origin.total_rows = self.total_rows
        origin.object_counts = self.model.object_counts()
        origin.model_schema_version = self.model.attributes.get("SchemaVersion", "2.9")
        self._zip.add_bytes(ORIGIN, origin.to_bytes(), compress=False)
        self._zip.close()
        self._closed = True

    def abort(self):
        """Write nothing more; the target holds no valid package and the caller discards it."""
        self._closed = True


class PackageWriter(_WriterContext):
    """Writes a BACPAC of rows to a binary stream, table after table, through a PackageAssembler.

    Rows are whole in every part (a row never straddles two), as in DacFx's packages; a part closes
    once it holds `part_bytes` BCP bytes. compresslevel is zlib's level.
    """

    def __init__(self, target, model, database_name, origin=None, compresslevel=6,
                 part_bytes=DEFAULT_PART_BYTES, model_bom=False, model_bytes=None):
        self.model = model
        self.part_bytes = part_bytes
        self.level = compresslevel
        self._assembler = PackageAssembler(target, model, database_name, origin, model_bom, model_bytes,
                                           library="zlib", level=compresslevel)

    @property
    def total_rows(self):
        return self._assembler.total_rows

    def write_table(self, schema, name, rows):
        """Encode and write all rows of one table; returns the row count."""
        table = self.model.table(schema, name)
        if table is None:
            raise PackageError(f"table {quote(schema, name)} is not in the model being written")
        codec = RowCodec(table.full_name, table_layout(self.model, table))
        builder, filled, written = PartBuilder("zlib", self.level), 0, 0
        for row in rows:
            data = codec.encode(row)
            if filled and filled + len(data) > self.part_bytes:
                self._assembler.add_part(schema, name, builder.finish())
                builder, filled = PartBuilder("zlib", self.level), 0
            builder.add(data, 1)
            filled += len(data)
            written += 1
        if builder.rows:
            self._assembler.add_part(schema, name, builder.finish())
        return written

    def close(self):
        self._assembler.close()

    def abort(self):
        self._assembler.abort()

