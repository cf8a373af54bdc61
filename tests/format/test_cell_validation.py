"""Cells are checked against their column as SQL Server would hold them: a decimal's bytes must carry the
column's precision and scale and fit its precision, a float must be finite. A value that decodes but
does not fit fails with the table, row and column named, in every decoder."""
import io
import math
import struct

import pytest

from azext_bacpac.format.bcp import ColumnLayout, RowCodec
from azext_bacpac.format.errors import DataError
from azext_bacpac.format.sqltypes import SqlType, codec_for


def decimal_bytes(precision, scale, magnitude, positive=True):
    return bytes([precision, scale, 1 if positive else 0]) + magnitude.to_bytes(16, "little")


def rows_of(columns, data):
    codec = RowCodec("[dbo].[T]", [ColumnLayout(f"c{i}", t, nullable) for i, (t, nullable) in enumerate(columns)])
    return [row for batch in codec.decode_stream(io.BytesIO(data), "T.BCP", len(data)) for row in batch]


ID = (SqlType("int"), False)
BAD_CELLS = [
    pytest.param((SqlType("decimal", precision=18), False), b"\x13" + decimal_bytes(18, 2, 12345),
                 "stored as decimal(18,2) but the column is decimal(18,0)", id="scale byte 2 in decimal(18,0)"),
    pytest.param((SqlType("decimal", precision=10, scale=2), False), b"\x13" + decimal_bytes(10, 5, 12345),
                 "stored as decimal(10,5) but the column is decimal(10,2)", id="scale byte 5 in decimal(10,2)"),
    pytest.param((SqlType("decimal", precision=10, scale=2), False), b"\x13" + decimal_bytes(10, 2, 10 ** 30),
                 "more than 10 digits", id="10**30 in decimal(10,2)"),
    pytest.param((SqlType("numeric", precision=10, scale=2), True), b"\x13" + decimal_bytes(10, 2, 5)[:2] + b"\x07"
                 + (5).to_bytes(16, "little"), "sign byte 7", id="sign byte 7"),
    pytest.param((SqlType("float", precision=53), False), struct.pack("<d", math.nan), "not a finite number",
                 id="float NaN"),
    pytest.param((SqlType("float", precision=53), True), b"\x08" + struct.pack("<d", -math.inf),
                 "not a finite number", id="nullable float -inf"),
    pytest.param((SqlType("real"), False), struct.pack("<f", math.inf), "not a finite number", id="real inf"),
]


@pytest.mark.parametrize("column, cell, message", BAD_CELLS)
def test_a_cell_its_column_cannot_hold_fails_naming_table_row_and_column(column, cell, message):
    good = codec_for(column[0], column[1]).encode
    first = struct.pack("<i", 1) + _cell(column, good)
    second = struct.pack("<i", 2) + cell
    with pytest.raises(DataError) as caught:
        rows_of([ID, column], first + second)
    text = str(caught.value)
    assert "table [dbo].[T]" in text and "row 2" in text and "column c1" in text and message in text, text


def _cell(column, encode):
    """A valid cell of the column (zero), framed as the column frames it."""
    sql_type, nullable = column
    raw = encode(0) if sql_type.name in ("decimal", "numeric") else struct.pack("<d" if sql_type.name == "float"
                                                                                  else "<f", 0.0)
    if isinstance(raw, tuple):
        raw = raw[0]
    prefixed = nullable or sql_type.name in ("decimal", "numeric")
    return (bytes([len(raw)]) + raw) if prefixed else raw


def test_valid_cells_at_the_edges_still_decode():
    columns = [(SqlType("decimal", precision=38, scale=38), False), (SqlType("float", precision=53), False)]
    largest = decimal_bytes(38, 38, 10 ** 38 - 1, positive=False)
    rows = rows_of(columns, b"\x13" + largest + struct.pack("<d", 1.7976931348623157e308))
    assert str(rows[0][0]) == "-0." + "9" * 38 and rows[0][1] == 1.7976931348623157e308
