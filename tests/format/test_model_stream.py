"""model.xml read in pieces into a model that holds no element trees (issue 17, item 7): the same
model whatever the pieces, whatever the encoding and namespace prefixes, in memory that is a small
fraction of the document."""
import gc
import io
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from azext_bacpac.format.model import Column, KeyConstraint, Model, Table
from azext_bacpac.format.model_stream import ModelParser
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.sqltypes import SqlType
from azext_bacpac.format.xmlio import DAC_NS, parse_xml
from tests.vectors import ALL, vector_bytes


def _model_xml(name):
    with PackageReader(io.BytesIO(vector_bytes(name))) as reader:
        return reader.model_bytes


def _fed(data, size):
    parser = ModelParser()
    for start in range(0, len(data), size):
        parser.feed(data[start:start + size])
    parser.feed(b"", final=True)
    return parser.model()


def _shape(model):
    return ([ET.tostring(element) for element in model.elements], model.object_counts(), model.attributes,
            [ET.tostring(e) for e in model.prologue + model.epilogue])


@pytest.mark.parametrize("name", ALL)
def test_any_pieces_give_the_model_read_whole(name):
    data = _model_xml(name)
    whole = Model.from_bytes(data)
    for size in (1, 7, 4096):
        pieced = _fed(data, size)
        assert _shape(pieced) == _shape(whole)
        assert pieced.to_bytes(data.startswith(b"\xef\xbb\xbf")) == whole.to_bytes(data.startswith(b"\xef\xbb\xbf"))
        assert [t.full_name for t in pieced.tables] == [t.full_name for t in whole.tables]


def test_utf16_and_prefixed_documents_read_as_the_utf8_one():
    data = _model_xml("amado/AmadoDB.bacpac").decode("utf-8-sig")
    plain = Model.from_bytes(data.encode("utf-8"))
    utf16 = data.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    for model in (Model.from_bytes(utf16), _fed(utf16, 333)):
        assert _shape(model) == _shape(plain) and model.to_bytes() == plain.to_bytes()
    prefixed = data.replace(f'xmlns="{DAC_NS}"', f'xmlns:d="{DAC_NS}"').replace("<", "<d:").replace("<d:/", "</d:") \
        .replace("<d:?xml", "<?xml").replace("<d:![CDATA[", "<![CDATA[")
    model = _fed(prefixed.encode("utf-8"), 1000)
    assert _shape(model) == _shape(plain) and model.to_bytes() == plain.to_bytes()


def _many_tables(count):
    model = Model()
    for i in range(count):
        model.add(Table("dbo", f"T{i}", [Column("Id", SqlType("int"), nullable=False),
                                         Column("Name", SqlType("nvarchar", 40))]))
        model.add(KeyConstraint("PRIMARY KEY", f"[dbo].[T{i}]", [(f"[dbo].[T{i}].[Id]", True)], f"[dbo].[PK_T{i}]"))
    return model.to_bytes()


def _traced(build):
    gc.collect()
    tracemalloc.start()
    try:
        result = build()
        return result, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()


def test_the_model_keeps_text_not_trees():
    data = _many_tables(3000)
    tree, (tree_bytes, _) = _traced(lambda: parse_xml(data, "model.xml"))
    del tree
    model, (held, peak) = _traced(lambda: _fed(data, 1 << 20))
    assert len(model.tables) == 3000 and model.table("dbo", "T2999").columns[1].sql_type == SqlType("nvarchar", 40)
    assert sum(isinstance(o, ET.Element) for o in gc.get_objects()) < 100        # no element tree is kept
    assert model._store.nbytes < len(data) / 20                                 # the texts, compressed
    # the typed objects and the texts: a fraction of the tree the model was held as
    assert held < tree_bytes / 3 and peak < tree_bytes / 2, (held, peak, tree_bytes)


def test_elements_are_read_afresh_and_changing_one_changes_nothing():
    model = Model.from_bytes(_many_tables(3))
    element = model.elements[0]
    element.set("Name", "[dbo].[Other]")
    assert model.elements[0].get("Name") == "[dbo].[T0]" and model.elements[-1].get("Type") == "SqlPrimaryKeyConstraint"
    assert [obj.name for _, obj in model.typed_objects() if isinstance(obj, Table)] == ["T0", "T1", "T2"]
    assert len(model.typed_objects()) == len(model.elements) == 6


def test_writing_a_model_serialises_each_element_once(monkeypatch):
    """to_bytes() streams stored texts: a model written twice serialises nothing again."""
    from azext_bacpac.format import element_store
    model = Model.from_bytes(_many_tables(50))
    model = Model(model.attributes, list(model.elements))          # written texts
    calls = []
    real = element_store.write_element
    monkeypatch.setattr(element_store, "write_element", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = model.to_bytes()
    assert model.to_bytes() == first and calls == []
    assert list(model.chunks())[1:-1] and b"".join(model.chunks()) == first


def _package(model_xml):
    from azext_bacpac.format.assembly import PackageWriter
    out = io.BytesIO()
    with PackageWriter(out, Model.from_bytes(model_xml), "db"):
        pass
    return out.getvalue()


def test_a_package_reader_holds_neither_the_model_bytes_nor_its_tree():
    data = _many_tables(3000)
    package = _package(data)
    reader, (held, peak) = _traced(lambda: PackageReader(io.BytesIO(package)))
    with reader:
        assert reader.checksum_verified and len(reader.tables) == 3000
        assert held < len(data) * 2 and peak < len(data) * 3, (held, peak, len(data))
        part = reader.model_part()
        assert part.size == len(reader.model_bytes) and part.read() == reader.model_bytes
        assert len(list(part.chunks())) == 1 + len(data) // (1 << 20)


def test_an_export_streams_model_xml_without_building_it_whole(tmp_path, monkeypatch):
    import sqlite3
    from azext_bacpac.format import model_document
    from azext_bacpac.pipelines.export import export_database
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    for i in range(20):
        conn.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT)")
    conn.commit()
    monkeypatch.setattr(model_document.Model, "to_bytes", lambda *a, **k: pytest.fail("model.xml built whole"))
    export_database(f"sqlite:///{tmp_path}", "db", str(tmp_path / "db.bacpac"), workers=0)
    monkeypatch.undo()
    with PackageReader(str(tmp_path / "db.bacpac")) as reader:
        assert reader.checksum_verified and len(reader.tables) == 20
