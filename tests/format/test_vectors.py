"""Every real vector reads completely, re-encodes to identical bytes, and survives a rewrite."""
import io
import zipfile

import pytest

from azext_bacpac.format.model import Model
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.parts import model_checksum
from tests.vectors import ALL, vector_bytes

EXPECTED_TOTALS = {"bacpactod-types/Test.bacpac": 173, "amado/AmadoDB.bacpac": 111,
                   "wingtip/contosoconcerthall.bacpac": 71, "wingtip/wingtipcatalogdb.bacpac": 1,
                   "wingtip/wingtiptenantdb.bacpac": 29, "unilinker-extracted": 341,
                   "gamerental-extracted": 3, "pharmavida-model": 0}


@pytest.mark.parametrize("name", ALL)
def test_vector_opens_and_counts_agree_with_origin(name):
    with PackageReader(io.BytesIO(vector_bytes(name))) as reader:
        assert reader.checksum_verified
        counts = {t.full_name: reader.count_rows(t) for t in reader.tables}
        assert sum(counts.values()) == reader.origin.total_rows == EXPECTED_TOTALS[name]
        for table in reader.tables:
            # a table without rows has no data part at all; one with rows has at least one
            assert bool(table.entries) == bool(counts[table.full_name])


@pytest.mark.parametrize("name", ALL)
def test_reencoding_every_row_gives_identical_bcp_bytes(name):
    """Decoding consumes each data file to its exact last byte, and encoding gives it back."""
    with PackageReader(io.BytesIO(vector_bytes(name))) as reader:
        for table in reader.tables:
            codec = reader.row_codec(table)
            for entry, chunks in reader.raw_parts(table):
                original = b"".join(chunks)
                rows = [row for batch in codec.decode_stream(io.BytesIO(original), entry, len(original))
                        for row in batch]
                assert codec.encode_many(rows) == original, f"{table.full_name} {entry}"


def test_appendix_inventory_spot_checks():
    with PackageReader(io.BytesIO(vector_bytes("amado/AmadoDB.bacpac"))) as reader:
        history = reader.table("dbo", "__EFMigrationsHistory")
        assert [e.rsplit("/", 1)[1] for e in history.entries] == ["TableData-000-00000.BCP", "TableData-001-00000.BCP"]
        assert reader.count_rows(history) == 17
        assert reader.count_rows(reader.table("[dbo].[AspNetRoles]")) == 1
    with PackageReader(io.BytesIO(vector_bytes("wingtip/contosoconcerthall.bacpac"))) as reader:
        assert reader.table("dbo.Customers").entries == []
        assert reader.count_rows(reader.table("dbo.VenueTypes")) == 10


@pytest.mark.parametrize("name", ALL)
def test_read_then_write_keeps_the_model_and_the_data(name):
    original = vector_bytes(name)
    with PackageReader(io.BytesIO(original)) as reader:
        out = io.BytesIO()
        bom = reader.model_bytes.startswith(b"\xef\xbb\xbf")
        writer = PackageWriter(out, reader.model, reader.metadata.get("Name", "db"), model_bom=bom)
        for table in reader.tables:
            writer.write_table(table.schema, table.name, reader.rows(table))
        writer.close()
        source_model = reader.model_bytes
        source_rows = {t.full_name: list(reader.rows(t)) for t in reader.tables}
    with PackageReader(io.BytesIO(out.getvalue())) as rewritten:
        assert rewritten.checksum_verified
        assert rewritten.origin.checksums["/model.xml"] == model_checksum(rewritten.model_bytes)
        # DacFx's own layout is reproduced, so the model is byte-identical, not merely equivalent.
        assert rewritten.model_bytes == source_model
        assert _semantic(Model.from_bytes(rewritten.model_bytes)) == _semantic(Model.from_bytes(source_model))
        assert {t.full_name: list(rewritten.rows(t)) for t in rewritten.tables} == source_rows


def _semantic(model):
    """Elements with their properties and relationships, independent of layout."""
    def walk(element):
        return (element.tag, tuple(sorted(element.attrib.items())), (element.text or "").strip(),
                tuple(walk(child) for child in element))
    return model.attributes, [walk(e) for e in model.elements]


def test_written_package_has_dacfx_entry_order_and_methods():
    with PackageReader(io.BytesIO(vector_bytes("bacpactod-types/Test.bacpac"))) as reader:
        out = io.BytesIO()
        with PackageWriter(out, reader.model, "Test") as writer:
            for table in reader.tables:
                writer.write_table(table.schema, table.name, reader.rows(table))
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as package:
        infos = package.infolist()
        names = [i.filename for i in infos]
        assert names[:3] == ["model.xml", "DacMetadata.xml", "[Content_Types].xml"]
        assert names[-2:] == ["_rels/.rels", "Origin.xml"]
        assert all(n.startswith("Data/dbo.") and n.endswith("/TableData-000-00000.BCP") for n in names[3:-2])
        methods = {i.filename: i.compress_type for i in infos}
        assert methods["_rels/.rels"] == methods["Origin.xml"] == zipfile.ZIP_STORED
        assert {methods[n] for n in names[:-2]} == {zipfile.ZIP_DEFLATED}
        original = zipfile.ZipFile(io.BytesIO(vector_bytes("bacpactod-types/Test.bacpac")))
        assert package.read("[Content_Types].xml") == original.read("[Content_Types].xml")
        rels = package.read("_rels/.rels").decode("utf-8-sig")
        assert rels.count('Type="table=') == rels.count('Type="schema=dbo"') == 25


def test_all_empty_database_lists_only_xml_content_type(vectors):
    expected = (vectors / "pharmavida-model" / "[Content_Types].xml").read_bytes()
    with PackageReader(io.BytesIO(vector_bytes("pharmavida-model"))) as reader:
        out = io.BytesIO()
        with PackageWriter(out, reader.model, "PHARMAVIDA"):
            pass
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as package:
        assert package.read("[Content_Types].xml") == expected
        assert "_rels/.rels" not in package.namelist()
        assert not [n for n in package.namelist() if n.startswith("Data/")]


def test_writer_streams_to_a_non_seekable_target():
    class WriteOnly(io.RawIOBase):
        def __init__(self):
            self.buffer = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.buffer += data
            return len(data)

    with PackageReader(io.BytesIO(vector_bytes("amado/AmadoDB.bacpac"))) as reader:
        target = WriteOnly()
        with PackageWriter(target, reader.model, "Amado", part_bytes=256) as writer:
            for table in reader.tables:
                writer.write_table(table.schema, table.name, reader.rows(table))
        expected = {t.full_name: list(reader.rows(t)) for t in reader.tables}
    with PackageReader(io.BytesIO(bytes(target.buffer))) as again:
        products = again.table("dbo", "ProductImages")
        assert len(products.entries) > 1, "small part size must split a table into several parts"
        assert {t.full_name: list(again.rows(t)) for t in again.tables} == expected


def test_zip64_parts_are_read():
    """Parts with Zip64 headers (as a writer that streams parts of unknown size writes them: Python's
    zipfile with force_zip64, the way .NET's packaging does past 4 GiB) read like any other."""
    source = vector_bytes("bacpactod-types/Test.bacpac")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(out, "w") as copy:
        for info in original.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = info.compress_type
            with copy.open(entry, "w", force_zip64=info.filename.endswith(".BCP")) as target:
                target.write(original.read(info))
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        bcp = [i for i in package.infolist() if i.filename.endswith(".BCP")]
        assert bcp and all(i.extract_version >= 45 for i in bcp), "data parts carry Zip64 headers"
    with PackageReader(io.BytesIO(source)) as reader:
        expected = {t.full_name: list(reader.rows(t)) for t in reader.tables}
    with PackageReader(io.BytesIO(data)) as again:
        assert {t.full_name: list(again.rows(t)) for t in again.tables} == expected
