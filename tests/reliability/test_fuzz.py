"""Hostile and damaged packages: a few hundred seeded cases of scripts/fuzz.py (the long run is the
script), and the findings it made, each pinned by a test of its own."""
import io
import re

import pytest

import fuzz
from azext_bacpac.errors import EngineError
from azext_bacpac.format import Column, Model, PackageWriter, SqlType, Table
from azext_bacpac.format.bcp import RowCodec
from azext_bacpac.format.errors import DataError, ModelError
from azext_bacpac.pipelines import import_package, inspect_package

AMADO = "amado/AmadoDB.bacpac"
TEST = "bacpactod-types/Test.bacpac"


def test_seeded_fuzz_cases_end_in_success_or_one_clear_error_and_never_import_damage():
    tally = fuzz.fuzz(cases=300, seed=20240611, workers=2, timeout=20, memory_mib=1024)
    out = io.StringIO()
    tally.report(out)
    assert tally.cases == 300, out.getvalue()
    assert tally.finding_count == 0, out.getvalue()
    # every mutation ran (each on most vectors); those that must be refused always were
    assert set(tally.by_kind) == set(fuzz.MUTATIONS)
    for kind in ("origin-total", "bcp-drop-rows", "bcp-truncate", "duplicate", "unsafe-name", "xml-entities",
                 "zip64-claim", "compression-method", "truncate"):
        assert set(tally.by_kind[kind]) == {"refused"}, (kind, tally.by_kind[kind])
    for kind in ("reorder", "prepend", "local-size"):
        assert set(tally.by_kind[kind]) == {"imported-identical"}, (kind, tally.by_kind[kind])
    assert tally.max_rss_kib < 512 * 1024


def _write(tmp_path, data, name="case.bacpac"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _import_refused(tmp_path, package, error_class, words):
    folder = tmp_path / "db"
    folder.mkdir(exist_ok=True)
    with pytest.raises(error_class) as info:
        import_package(package, "sqlite:///" + str(folder), "target")
    message = str(info.value)
    assert re.search(words, message), message
    assert "\n" not in message
    assert list(folder.iterdir()) == []          # no database, no temporary file
    return message


def test_rows_cut_at_a_row_boundary_decode_cleanly_but_the_origin_total_refuses_the_import(tmp_path):
    source = fuzz.Source(AMADO)
    entry = max(source.bcp_with_rows, key=lambda e: len(e.data))
    _, ends = fuzz.bcp_prefixes(entry.data, source.layouts[entry.name])
    package = _write(tmp_path, fuzz.rebuild(fuzz.replaced(source, entry.name, entry.data[:ends[-2]])))
    with pytest.raises(DataError, match=rf"holds {source.total_rows - 1} rows, but Origin.xml records "
                                         rf"{source.total_rows}"):
        inspect_package(package)                                              # inspect refuses it as import does
    _import_refused(tmp_path, package, DataError,
                    rf"holds {source.total_rows - 1} rows, but Origin.xml records {source.total_rows} "
                    r"\(TableRowCountTotalTag\)")


def test_a_lost_data_part_is_refused(tmp_path):
    source = fuzz.Source(AMADO)
    entry = source.bcp_with_rows[0]
    package = _write(tmp_path, fuzz.rebuild([e for e in source.entries if e is not entry]))
    _import_refused(tmp_path, package, DataError, "data parts are missing, cut short or damaged")


def test_more_rows_than_origin_records_stop_the_import_at_once(tmp_path):
    source = fuzz.Source(AMADO)
    origin = source.part(fuzz.ORIGIN).data
    fewer = re.sub(rb"<TableRowCountTotalTag>\d+<", b"<TableRowCountTotalTag>3<", origin)
    package = _write(tmp_path, fuzz.rebuild(fuzz.replaced(source, fuzz.ORIGIN, fewer)))
    _import_refused(tmp_path, package, DataError, r"holds more than 3 rows \(table .* goes past it\)")


def test_a_filtered_import_is_not_held_to_the_total_of_all_tables(tmp_path):
    source = fuzz.Source(AMADO)
    package = _write(tmp_path, source.data)
    (tmp_path / "db").mkdir()
    summary = import_package(package, "sqlite:///" + str(tmp_path / "db"), "some", tables=["AspNetUsers"])
    assert summary["tables"] == 1


def test_a_table_without_stored_columns_but_with_data_is_refused_not_decoded_forever():
    codec = RowCodec("[dbo].[T]", [])
    assert list(codec.decode_stream(io.BytesIO(b""), "part")) == []
    with pytest.raises(DataError, match=r"\[dbo\]\.\[T\]: part holds data, but model.xml gives the table no "
                                        r"stored columns"):
        list(codec.decode_stream(io.BytesIO(b"\x00" * 10), "part"))


@pytest.mark.parametrize("seed, vector, kind, was", [
    ("1:1905", AMADO, "model-value", "endless decode of a table left without columns (MemoryError / hang)"),
    ("1:909", "unilinker-extracted", "model-value", "TypeError joining a missing index column name"),
    ("1:45", "unilinker-extracted", "bcp-swap", "UnicodeEncodeError: an unpaired surrogate reached SQLite"),
    ("7:1704", TEST, "model-value", "ValueError: decimal precision -2147483649"),
    ("2026:709", "unilinker-extracted", "model-value", "AttributeError: an index without a name"),
    ("2026:1262", "gamerental-extracted", "bitflip", "NotImplementedError: zip file version 14.8"),
    ("2026:4057", AMADO, "bitflip", "a message of thousands of characters (a damaged entry name)"),
    ("2027:4760", TEST, "xml-bitflip", "LookupError: an unknown encoding in DacMetadata.xml's declaration"),
])
def test_the_cases_that_found_bugs_now_end_cleanly(tmp_path, seed, vector, kind, was):
    spec = {"index": 0, "vector": vector, "kind": kind, "seed": seed}
    result = fuzz.Runner(tmp_path).run(spec, timeout=20)
    assert result["findings"] == [], (was, result["findings"])
    assert result["seconds"] < 10


def test_an_out_of_range_precision_in_model_xml_is_a_model_error(tmp_path):
    source = fuzz.Source(TEST)
    model = source.part(fuzz.MODEL).data
    damaged = re.sub(rb'(<Property Name="Precision" Value=")\d+', rb"\g<1>-2147483649", model, count=1)
    assert damaged != model
    package = _write(tmp_path, fuzz.rebuild(fuzz.with_checksum(fuzz.replaced(source, fuzz.MODEL, damaged))))
    with pytest.raises(ModelError, match="Precision -2147483649, outside 0..53"):
        inspect_package(package)
    _import_refused(tmp_path, package, ModelError, "outside 0..53")


def test_unpaired_surrogates_are_an_engine_error_not_a_traceback(tmp_path):
    model = Model()
    model.add(Table("dbo", "Texts", [Column("Id", SqlType("int"), nullable=False),
                                     Column("Body", SqlType("nvarchar", length=50))]))
    out = io.BytesIO()
    with PackageWriter(out, model, "texts") as writer:
        writer.write_table("dbo", "Texts", [(1, "fine"), (2, "half a pair \ud83d here")])
    package = _write(tmp_path, out.getvalue())
    assert inspect_package(package)["totals"]["rows"] == 2
    _import_refused(tmp_path, package, EngineError, r"\[dbo\]\.\[Texts\]: a text value after row 0 holds an "
                                                    r"unpaired UTF-16 surrogate")


def test_entity_expansion_and_external_entities_never_reach_the_parser_expansion(tmp_path):
    source = fuzz.Source(AMADO)
    for part in (fuzz.MODEL, fuzz.ORIGIN):
        for kind in ("bomb", "xxe-file", "xxe-http", "parameter"):
            prologue, reference = fuzz._xml_attack(None, kind)   # pylint: disable=protected-access
            body = re.sub(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>\s*", b"", source.part(part).data)
            body = re.sub(rb"(<[A-Za-z][^>]*[^/]>)", lambda m: m.group(1) + reference.encode(), body, count=1)
            package = _write(tmp_path, fuzz.rebuild(fuzz.with_checksum(fuzz.replaced(source, part, prologue + body))))
            with pytest.raises(ModelError, match="DOCTYPE is refused"):
                inspect_package(package)
            _import_refused(tmp_path, package, ModelError, "DOCTYPE is refused")


def test_fuzzed_packages_through_az_fail_with_one_clear_line(az, tmp_path):
    """A sample through the real az parser: inspect in-process, import through its detached worker."""
    from azure.cli.core import azclierror
    source = fuzz.Source(AMADO)
    hostile = {
        "bomb": fuzz.rebuild(fuzz.replaced(source, fuzz.MODEL,
                                           fuzz.BILLION_LAUGHS + b"<DataSchemaModel>&lol9;</DataSchemaModel>")),
        "total": fuzz.rebuild(fuzz.replaced(source, fuzz.ORIGIN, re.sub(
            rb"<TableRowCountTotalTag>\d+<", b"<TableRowCountTotalTag>7<", source.part(fuzz.ORIGIN).data))),
        "truncated": source.data[: len(source.data) // 2],
    }
    for name, data in hostile.items():
        package = _write(tmp_path, data, name + ".bacpac")
        inspected = az("sql", "db", "bacpac", "inspect", "--storage-uri", package)
        # inspect refuses what an import refuses (a total that disagrees with the data included)
        assert inspected.exit_code == 1 and isinstance(inspected.error, azclierror.FileOperationError), inspected
        assert "Traceback" not in inspected.stderr
        if name == "total":
            assert "holds 111 rows, but Origin.xml records 7" in inspected.stderr
        folder = tmp_path / ("db-" + name)
        folder.mkdir()
        imported = az("sql", "db", "bacpac", "import", "-s", "sqlite:///" + str(folder), "-n", "x",
                      "--storage-uri", package)
        assert imported.exit_code == 1, imported
        assert isinstance(imported.error, azclierror.FileOperationError), imported
        error_lines = [line for line in imported.stderr.splitlines() if line.startswith("ERROR")]
        assert len(error_lines) == 1 and "Traceback" not in imported.stderr, imported.stderr
        assert list(folder.iterdir()) == []
