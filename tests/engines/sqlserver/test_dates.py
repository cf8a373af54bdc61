"""Dates and times through the SQL Server engine at every type and scale, as the driver hands them over
and takes them (fakedriver.py models msodbcsql + pyodbc, each behaviour with its source)."""
import datetime
import struct

import pytest

from azext_bacpac.engines.sqlserver.values import canonical_datetime, convert_timestamp, legacy_datetime
from azext_bacpac.format.package import PackageReader
from azext_bacpac.format.values import PreciseDateTime, PreciseTime

from . import fakedriver, recorded
from .fakedb import FakeServer
from .recorded import _col, shop

TIMES = 1_500_000_001
PLUS_5_30 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
MINUS_8 = datetime.timezone(datetime.timedelta(hours=-8))
MOMENT = PreciseDateTime(2024, 2, 29, 23, 59, 58, 987654, hundred_ns=3)
CLOCK = PreciseTime(13, 14, 15, 987654, hundred_ns=3)


def _cut(value, scale, tzinfo=None):
    """A value as a column of this scale holds it (the digits past the scale are zero)."""
    hundred_ns = value.microsecond * 10 + value.hundred_ns
    kept = hundred_ns // 10 ** (7 - scale) * 10 ** (7 - scale)
    if isinstance(value, datetime.time):
        return PreciseTime(value.hour, value.minute, value.second, kept // 10, hundred_ns=kept % 10)
    return PreciseDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second, kept // 10,
                           tzinfo, hundred_ns=kept % 10)


def columns():
    """(name, server type, max_length, precision, scale, value) of the table `[dbo].[Times]`."""
    found = [("Id", "int", 4, 10, 0, 1),
             ("Legacy", "datetime", 8, 23, 3, datetime.datetime(2024, 2, 29, 23, 59, 58, 997000)),
             ("LegacyTick", "datetime", 8, 23, 3, datetime.datetime(1753, 1, 1, 0, 0, 0, 3000)),
             ("Small", "smalldatetime", 4, 16, 0, datetime.datetime(2079, 6, 6, 23, 59))]
    for scale in range(8):
        found.append((f"D2_{scale}", "datetime2", 6 if scale < 3 else 7 if scale < 5 else 8, 19 + scale + bool(scale),
                      scale, _cut(MOMENT, scale)))
        found.append((f"DTO_{scale}", "datetimeoffset", 10, 26 + scale + bool(scale), scale,
                      _cut(MOMENT, scale, PLUS_5_30 if scale % 2 else MINUS_8)))
        found.append((f"T_{scale}", "time", 5, 8 + scale + bool(scale), scale, _cut(CLOCK, scale)))
    return found


def times_database():
    spec = columns()
    cols = (recorded.COLUMNS[0], [_col(TIMES, i, name, kind, length, precision, scale, nullable=i > 1)
                                  for i, (name, kind, length, precision, scale, _) in enumerate(spec, start=1)])
    answers = {key: (value[0], []) for key, value in shop().answers.items() if key not in ("facts", "key_presence")}
    answers.update(tables=(recorded.TABLES[0], [(TIMES, "dbo", "Times", True, False, 0, False)]), columns=cols,
                   key_presence=(recorded.PRESENCE[0], [(0, 0, 0)]))
    database = shop(**answers)
    database.tables = {"[dbo].[Times]": ([c[0] for c in spec], [tuple(c[5] for c in spec),
                                                                 (2,) + (None,) * (len(spec) - 1)],
                                         [c[1] for c in spec])}
    database.object_ids = {TIMES: "[dbo].[Times]"}
    return database


@pytest.fixture
def times_bacpac(tmp_path, monkeypatch):
    from .test_deployment import export_to
    return export_to(times_database(), tmp_path, monkeypatch, "times.bacpac")[0]


def test_every_date_and_time_type_exports_from_the_bytes_the_driver_hands_over(times_bacpac):
    # datetime and smalldatetime arrive as the server's 8 and 4 bytes: read as text, they failed
    with PackageReader(str(times_bacpac)) as reader:
        rows = list(reader.rows(reader.table("dbo", "Times")))
    expected = tuple(c[5] for c in columns())
    assert rows[0] == expected
    assert rows[1] == (2,) + (None,) * (len(expected) - 1)


def test_every_scale_imports_through_fast_executemany_and_the_server_keeps_each_value(times_bacpac, monkeypatch):
    from .test_deployment import import_into
    fake = FakeServer()
    import_into(fake, times_bacpac, "TimesCopy", monkeypatch)
    stored = fake.databases["TimesCopy"].stored["[dbo].[Times]"]
    spec = columns()
    for (name, kind, _, _, scale, value), sent in zip(spec, stored[0]):
        if kind in ("datetime2", "datetimeoffset"):
            assert sent == canonical_datetime(value, scale), name
            assert len(sent) == fakedriver.described(f"{kind}({scale})")[0], name      # exactly the buffer
        elif kind == "time":
            assert len(sent) == fakedriver.described(f"time({scale})")[0], name
        elif kind == "datetime":
            assert fakedriver.server_datetime(sent) == value, name
        elif kind == "smalldatetime":
            assert sent == value, name
    assert stored[1] == (2,) + (None,) * (len(spec) - 1)


@pytest.mark.parametrize("text", ["2024-02-29T23:59:58.9876543", "2024-02-29 23:59:58.98765430"])
def test_the_double_refuses_what_the_driver_refuses(text):
    with pytest.raises(fakedriver.DriverError):
        fakedriver.bind("datetime2(7)", text)


def test_a_legacy_datetime_keeps_every_tick_of_a_second():
    base = datetime.datetime(2020, 5, 17, 8, 9, 10)
    for tick in range(300):
        # the package's value of that tick, as the codec decodes it (to the millisecond)
        value = base + datetime.timedelta(milliseconds=(tick * 10 + 1) // 3)
        sent = fakedriver.bind("datetime", legacy_datetime(value))         # pyodbc cuts to 3 digits
        assert fakedriver.server_datetime(sent) == value, tick


@pytest.mark.parametrize("raw, expected", [
    (struct.pack("<iI", 45349, 300 * 3600 + 1), datetime.datetime(2024, 2, 29, 1, 0, 0, 3000)),
    (struct.pack("<iI", -53690, 0), datetime.datetime(1753, 1, 1)),
    (struct.pack("<HH", 65535, 1439), datetime.datetime(2079, 6, 6, 23, 59)),
    (struct.pack("<h5HI", 2024, 2, 29, 1, 2, 3, 123456700),
     PreciseDateTime(2024, 2, 29, 1, 2, 3, 123456, hundred_ns=7)),
    ("2024-02-29 01:02:03.1234567", PreciseDateTime(2024, 2, 29, 1, 2, 3, 123456, hundred_ns=7)),
])
def test_the_timestamp_converter_reads_each_shape_the_driver_gives(raw, expected):
    assert convert_timestamp(raw) == expected


def test_a_timestamp_of_another_length_is_refused_with_its_length():
    with pytest.raises(ValueError, match="returned 6 bytes"):
        convert_timestamp(b"\x01\x02\x03\x04\x05\x06")
