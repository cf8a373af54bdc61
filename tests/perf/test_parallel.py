"""The parallel export/import pipeline: same content as the one-process path, parts in order,
cancel and failures leave nothing behind (no package, no worker process). No timings here."""
import io
import os
import signal
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

from azext_bacpac import native
from azext_bacpac.errors import CancelledError, EngineError
from azext_bacpac.format import deflate, zipwriter
from azext_bacpac.format.package import PackageReader
from azext_bacpac.pipelines import parallel
from azext_bacpac.pipelines.export import export_database
from azext_bacpac.pipelines.importing import import_package

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench  # noqa: E402  (the benchmark's generator: every common type, NULLs, non-ASCII text)

PART = 64 << 10      # small parts, so that the big table splits into many ranges and continuations


def _children():
    """This process's worker processes (not other children, such as a test session's Azurite)."""
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as handle:
            pids = [int(pid) for pid in handle.read().split()]
    except OSError:
        return []
    workers = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if b"multiprocessing.connection import Connection" in handle.read():
                    workers.append(pid)
        except OSError:
            pass
    return workers


def _alive(pids):
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                if handle.read().split(") ")[1][0] != "Z":
                    alive.append(pid)
        except OSError:
            pass
    return alive


pytestmark = pytest.mark.skipif(not parallel.workers_supported() or not os.path.exists("/proc/self/stat"),
                                reason="worker processes are used on POSIX systems with /proc")


@pytest.fixture(params=["native", "pure"])
def switch(request, monkeypatch):
    """The pipeline tests run with the compiled fast paths on and off (BACPAC_NATIVE, which worker
    processes inherit): with them on, SQLite tables skip the decode workers and the Python codec."""
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "1" if request.param == "native" else "0")
    return request.param


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("perfdb")
    bench.generate(path / "mix.sqlite", rows=12_000, size_mb=2, seed=3)
    return path


def _data(package):
    """{table: BCP bytes of all its parts, in order}, the part names, and the XML parts."""
    with PackageReader(str(package)) as reader:
        tables = {}
        for table in reader.tables:
            tables[table.full_name] = b"".join(chunk for _, chunks in reader.raw_parts(table) for chunk in chunks)
        return tables, reader.entry_names, reader.model_bytes, reader.origin.total_rows


@pytest.mark.usefixtures("switch")
def test_parallel_export_has_the_same_content_as_the_one_process_export(folder, tmp_path):
    server = f"sqlite:///{folder}"
    serial = export_database(server, "mix", str(tmp_path / "serial.bacpac"), workers=0, part_bytes=PART)
    par = export_database(server, "mix", str(tmp_path / "parallel.bacpac"), workers=2, part_bytes=PART)
    assert serial["pipeline"]["workers"] == 0 and par["pipeline"]["workers"] == 2
    one, names_one, model_one, total_one = _data(tmp_path / "serial.bacpac")
    two, names_two, model_two, total_two = _data(tmp_path / "parallel.bacpac")
    assert one == two                                   # every table's BCP bytes, parts concatenated
    # part boundaries may differ (ranges in workers, roll-over in one process); nothing else does
    assert [n for n in names_one if not n.startswith("Data/")] == [n for n in names_two if not n.startswith("Data/")]
    assert {n.rsplit("/", 1)[0] for n in names_one if n.startswith("Data/")} == \
        {n.rsplit("/", 1)[0] for n in names_two if n.startswith("Data/")}
    assert model_one == model_two and total_one == total_two == 12_000
    assert par["perTable"] == serial["perTable"]
    with zipfile.ZipFile(tmp_path / "parallel.bacpac") as package:
        assert package.testzip() is None
        names = package.namelist()
    assert names[:3] == ["model.xml", "DacMetadata.xml", "[Content_Types].xml"]
    assert names[-2:] == ["_rels/.rels", "Origin.xml"]


def test_a_split_table_becomes_consecutive_parts_in_row_order(folder, tmp_path):
    export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "p.bacpac"), workers=2, part_bytes=PART)
    with PackageReader(str(tmp_path / "p.bacpac")) as reader:
        events = reader.table("dbo", "events")
        assert len(events.entries) > 5
        assert events.entries == [f"Data/dbo.events/TableData-000-{n:05d}.BCP" for n in range(len(events.entries))]
        ids = [row[0] for row in reader.rows(events)]
    conn = sqlite3.connect(folder / "mix.sqlite")
    assert ids == [row[0] for row in conn.execute("SELECT id FROM events ORDER BY rowid")]
    conn.close()


@pytest.mark.usefixtures("switch")
def test_parallel_import_builds_the_same_database(folder, tmp_path):
    export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "p.bacpac"), workers=2, part_bytes=PART)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = import_package(str(tmp_path / "p.bacpac"), f"sqlite:///{tmp_path / 'a'}", "x", workers=0)
    two = import_package(str(tmp_path / "p.bacpac"), f"sqlite:///{tmp_path / 'b'}", "x", workers=2)
    assert one["rows"] == two["rows"] == 12_000
    a, b = sqlite3.connect(tmp_path / "a" / "x.sqlite"), sqlite3.connect(tmp_path / "b" / "x.sqlite")
    for (name,) in a.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"):
        assert a.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall() == \
            b.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall(), name
    assert _alive(_children()) == []


@pytest.mark.usefixtures("switch")
def test_cancel_mid_way_leaves_no_package_and_no_worker(folder, tmp_path):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(CancelledError):
        export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "c.bacpac"), workers=2, part_bytes=PART,
                        cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    assert _alive(_children()) == []


@pytest.mark.usefixtures("switch")
def test_a_worker_that_dies_fails_the_export_cleanly(folder, tmp_path):
    killed = []

    def cancel():
        # The parent asks first while it waits for its workers, before any slot is done: kill them.
        if not killed:
            killed.extend(_children())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
        return False

    with pytest.raises(EngineError, match="worker process ended unexpectedly"):
        export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "k.bacpac"), workers=2, part_bytes=PART,
                        cancel=cancel)
    assert killed
    assert list(tmp_path.iterdir()) == []
    assert _alive(_children()) == []


@pytest.mark.usefixtures("switch")
def test_cancelled_parallel_import_leaves_no_database_and_no_worker(folder, tmp_path):
    export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "p.bacpac"), workers=0, part_bytes=PART)
    (tmp_path / "t").mkdir()
    calls = []
    with pytest.raises(CancelledError):
        import_package(str(tmp_path / "p.bacpac"), f"sqlite:///{tmp_path / 't'}", "x", workers=2,
                       cancel=lambda: calls.append(1) or len(calls) > 5)
    assert list((tmp_path / "t").iterdir()) == []
    assert _alive(_children()) == []


@pytest.mark.usefixtures("switch")
def test_progress_reports_every_table_once_in_order(folder, tmp_path):
    reports = []
    export_database(f"sqlite:///{folder}", "mix", str(tmp_path / "p.bacpac"), workers=2, part_bytes=PART,
                    progress=reports.append)
    tables = []
    for report in reports:
        if report["table"] and (not tables or tables[-1] != report["table"]):
            tables.append(report["table"])
    assert len(tables) == len(set(tables)) == 52
    assert reports[-1]["phase"] == "finish" and reports[-1]["rows"] == 12_000


# ---- the ZIP writer ------------------------------------------------------------------------------

@pytest.mark.parametrize("library", deflate.available_libraries())
def test_zip_writer_members_read_back_with_zipfile(library):
    out = io.BytesIO()
    writer = zipwriter.ZipStreamWriter(out, (2024, 5, 6, 7, 8, 10), library)
    payload = os.urandom(5000) + b"abc" * 20000
    writer.add_bytes("model.xml", payload)
    writer.add_bytes("Data/dbo.Łódź/TableData-000-00000.BCP", b"")
    writer.add_bytes("Origin.xml", b"<x/>", compress=False)
    writer.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as package:
        assert package.testzip() is None
        assert package.read("model.xml") == payload
        assert package.read("Data/dbo.Łódź/TableData-000-00000.BCP") == b""
        assert package.getinfo("Origin.xml").compress_type == zipfile.ZIP_STORED
        assert package.getinfo("model.xml").date_time == (2024, 5, 6, 7, 8, 10)


def test_zip64_fields_and_end_record_read_back(monkeypatch):
    # Lower the threshold so that small members take the Zip64 paths a > 2 GiB member would.
    monkeypatch.setattr(zipwriter, "ZIP64_LIMIT", 100)
    out = io.BytesIO()
    writer = zipwriter.ZipStreamWriter(out)
    members = {f"m{i}": bytes([i]) * (50 + 40 * i) for i in range(6)}
    for name, data in members.items():
        writer.add_bytes(name, data, compress=False)
    writer.close()
    raw = out.getvalue()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw           # Zip64 end record and locator
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        assert {name: package.read(name) for name in package.namelist()} == members


def test_zip_writer_refuses_a_size_mismatch_and_duplicates():
    writer = zipwriter.ZipStreamWriter(io.BytesIO())
    with pytest.raises(ValueError, match="declared"):
        writer.add_deflated("a", b"xyz", 0, 3, 4)
    writer.add_bytes("b", b"1")
    with pytest.raises(ValueError, match="duplicate"):
        writer.add_bytes("b", b"2")


def test_the_model_derived_with_parallel_range_scans_is_the_same(folder, monkeypatch):
    from azext_bacpac.engines import open_engine, sqlite_derive
    models = []
    for threshold in (10 ** 12, 100):
        monkeypatch.setattr(sqlite_derive, "PARALLEL_SCAN_ROWS", threshold)
        with open_engine(f"sqlite:///{folder}").export_source("mix") as source:
            models.append(source.model.to_bytes())
    assert models[0] == models[1]


def test_a_table_that_cannot_be_split_rolls_over_into_many_parts_in_one_worker(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    conn = sqlite3.connect(folder / "wr.sqlite")
    conn.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v NVARCHAR(200)) WITHOUT ROWID")
    conn.execute("CREATE TABLE other (id INTEGER PRIMARY KEY, note TEXT)")
    conn.executemany("INSERT INTO kv VALUES (?, ?)", ((f"key{i:06d}", "välue " * (i % 30)) for i in range(30_000)))
    conn.executemany("INSERT INTO other VALUES (?, ?)", ((i, f"n{i}") for i in range(30_000)))
    conn.commit()
    conn.close()
    server = f"sqlite:///{folder}"
    export_database(server, "wr", str(tmp_path / "one.bacpac"), workers=0, part_bytes=PART)
    export_database(server, "wr", str(tmp_path / "two.bacpac"), workers=2, part_bytes=PART)
    one, _, _, _ = _data(tmp_path / "one.bacpac")
    two, names, _, total = _data(tmp_path / "two.bacpac")
    assert one == two and total == 60_000
    assert sum(1 for n in names if n.startswith("Data/dbo.kv/")) > 5
    assert _alive(_children()) == []
