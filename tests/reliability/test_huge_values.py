"""One huge (max) value (issue 17, item 8): inspect checks it without holding it, and an import
holds it a small number of times, never the three or four copies a read-and-concatenate took.

Memory is the peak RSS of a real child process (its own VmHWM as it ends), not a time."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc")
REPO = Path(__file__).resolve().parents[2]
MiB = 1 << 20
VALUE_MIB = 256                  # the nvarchar(max) value's BCP bytes (UTF-16)

MAKE = textwrap.dedent("""
    import sys
    from azext_bacpac.format.model import Column, Model, Table
    from azext_bacpac.format.assembly import PackageWriter
    from azext_bacpac.format.sqltypes import SqlType
    path, mib, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    model = Model()
    big = SqlType("nvarchar", is_max=True) if kind == "text" else SqlType("varbinary", is_max=True)
    model.add(Table("dbo", "big", [Column("id", SqlType("int"), nullable=False), Column("body", big)]))
    if kind == "text":
        value, small = "abcdefg\\u00e9" * (mib * (1 << 20) // 16), "small"
    else:
        value, small = bytes(range(256)) * (mib * (1 << 20) // 256), b"s"
    with open(path, "wb") as out, PackageWriter(out, model, "db", compresslevel=1) as writer:
        writer.write_table("dbo", "big", [(1, small), (2, value), (3, None)])
""")
AT_EXIT = "\nprint(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
RUN = textwrap.dedent("""
    import sys
    verb, path = sys.argv[1], sys.argv[2]
    if verb == "inspect":
        from azext_bacpac.pipelines.inspect import inspect_package
        assert inspect_package(path)["totals"]["rows"] == 3
    else:
        from azext_bacpac.pipelines.importing import import_package
        import_package(path, "sqlite:///" + sys.argv[3], "huge", workers=0)
""")


def _peak_mib(code, *args):
    """Run `code` in a child python; its peak RSS in MiB (it must succeed). The child's own VmHWM,
    read as it exits: ru_maxrss would also count the parent's pages at the fork."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code + AT_EXIT, *map(str, args)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split("VmHWM:")[1].split()[0]) / 1024


@pytest.fixture(scope="module", params=["text", "binary"])
def huge(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("huge") / f"{request.param}.bacpac"
    _peak_mib(MAKE, path, VALUE_MIB, request.param)
    return request.param, path


def test_inspect_checks_a_huge_value_without_holding_it(huge):
    _, path = huge
    baseline = _peak_mib("import azext_bacpac.pipelines.inspect")
    assert _peak_mib(RUN, "inspect", path) < baseline + 48           # was 1,079 MiB for a 300 MiB value


def test_an_import_holds_a_huge_value_a_small_number_of_times(huge, tmp_path):
    import sqlite3
    kind, path = huge
    baseline = _peak_mib("import azext_bacpac.pipelines.importing")
    peak = _peak_mib(RUN, "import", path, tmp_path)
    assert peak < baseline + 2.6 * VALUE_MIB, peak                   # was 3.2 times the value
    conn = sqlite3.connect(tmp_path / "huge.sqlite")
    length = conn.execute("SELECT length(CAST(body AS BLOB)) FROM big WHERE id = 2").fetchone()[0]
    # UTF-16 "abcdefgé" is 16 bytes, 9 in UTF-8
    assert length == (VALUE_MIB * MiB // 16 * 9 if kind == "text" else VALUE_MIB * MiB)
    assert conn.execute("SELECT body FROM big WHERE id <> 2 ORDER BY id").fetchall() == \
        [("small" if kind == "text" else b"s",), (None,)]


def test_a_huge_text_value_cut_to_an_odd_length_is_refused_by_inspect(tmp_path):
    """Checked as it streams past: half a UTF-16 code unit is named, as the decoder would."""
    import io
    import zipfile
    from azext_bacpac.errors import BacpacError
    from azext_bacpac.format.errors import BacpacFormatError
    from azext_bacpac.pipelines.inspect import inspect_package
    path = tmp_path / "odd.bacpac"
    _peak_mib(MAKE, path, 6, "text")
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    name = next(n for n in parts if n.endswith(".BCP"))
    data = bytearray(parts[name])
    at = data.index(b"a\x00b\x00c\x00")            # the big value's first bytes; its 8-byte length before them
    length = int.from_bytes(data[at - 8:at], "little")
    data[at - 8:at] = (length - 1).to_bytes(8, "little")
    del data[at + length - 1]
    parts[name] = bytes(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry, content in parts.items():
            target.writestr(entry, content)
    path.write_bytes(out.getvalue())
    with pytest.raises((BacpacError, BacpacFormatError), match="not whole UTF-16 code units"):
        inspect_package(str(path), verify_checksum=False)


def test_an_integer_in_a_binary_column_is_refused_not_turned_into_zero_bytes():
    """bytes(n) of an integer n is n zero bytes: 2**40 would have asked for a TiB."""
    from azext_bacpac.format.bcp import ColumnLayout, RowCodec
    from azext_bacpac.format.errors import EncodeError
    from azext_bacpac.format.sqltypes import SqlType
    for sql_type in (SqlType("varbinary", is_max=True), SqlType("binary", 8)):
        codec = RowCodec("[dbo].[t]", [ColumnLayout("b", sql_type)])
        with pytest.raises(EncodeError, match=r"an integer \(1099511627776\) is not binary data"):
            codec.encode((2**40,))
        assert b"\x01" in codec.encode((b"\x01",))
