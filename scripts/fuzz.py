#!/usr/bin/env python3
"""Fuzz `inspect` and `import` with damaged and hostile variants of every real vector.

    .venv/bin/python scripts/fuzz.py --cases 5000 --seed 1 [--workers 2] [--timeout 20]
                                     [--memory-mib 1024] [--cli 20] [--json out.json]
    .venv/bin/python scripts/fuzz.py --replay 1234 --seed 1      # case 1234 of seed 1, in this process

Each case takes one vector of ../shared/vectors (tests/vectors.py) and one mutation (MUTATIONS:
bit flips, truncation, inflated BCP length prefixes, reordered, duplicated, dropped or renamed
entries, absurd declared sizes in the ZIP headers, Zip64 size claims, appended bytes, XML entity
expansion and external entities, damaged model.xml with a recomputed checksum, a changed row
total, ...), then runs inspect_package and import_package (into a fresh SQLite folder) on it;
every fourth case imports through the parallel decoder processes (workers=2).

Cases run in a pool of worker processes, each with RLIMIT_AS (--memory-mib) and a per-case time
box (SIGALRM in the worker; the parent kills a worker whose case runs past --timeout + 5 s).
Allowed outcomes: success, or an azext_bacpac.errors.BacpacError / format BacpacFormatError with
a one-line message. Anything else is a finding:
  traceback     any other exception class (the stack is kept for the report)
  hang          a case over its time box
  memory        MemoryError, or a worker that died (killed by the memory limit or a signal)
  silent        a package that must be refused was imported, or an import whose rows differ from
                an independent decode of the same package, or whose total differs from Origin.xml
  unclear       an error message that is empty, spans several lines or runs past 2,000 characters
  leftover      files left in the SQLite folder by a failed import (or beside a successful one)
With --cli N, N more cases go through the real az parser (DummyCli: inspect, and import with its
detached worker). Prints counts by outcome; exit code 1 when there is any finding.
"""
import argparse
import collections
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import struct
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MODEL, ORIGIN, RELS = "model.xml", "Origin.xml", "_rels/.rels"
METADATA, TYPES = "DacMetadata.xml", "[Content_Types].xml"
XML_PARTS = (MODEL, ORIGIN, RELS, METADATA, TYPES)
MAX_MESSAGE = 2000
FIXED_DATE = (2024, 1, 1, 0, 0, 0)


# ---- the vectors, taken apart -------------------------------------------------------------------

class Entry:
    __slots__ = ("name", "data", "method")

    def __init__(self, name, data, method):
        self.name, self.data, self.method = name, data, method


class Source:
    """A vector: its bytes, its entries, and the BCP column layout of each data entry."""

    def __init__(self, name):
        from azext_bacpac.format.package import PackageReader, table_layout
        from tests.vectors import vector_bytes
        self.name = name
        self.data = vector_bytes(name)
        with zipfile.ZipFile(io.BytesIO(self.data)) as package:
            self.entries = [Entry(i.filename, package.read(i), i.compress_type) for i in package.infolist()]
        self.layouts = {}
        with PackageReader(io.BytesIO(self.data), verify_checksum=False) as reader:
            for table in reader.tables:
                layout = table_layout(reader.model, table.table)
                for entry in table.entries:
                    self.layouts[entry] = layout
            self.total_rows = sum(reader.count_rows(t) for t in reader.tables)
        self.bcp = [e for e in self.entries if e.name in self.layouts]
        self.bcp_with_rows = [e for e in self.bcp if e.data]

    def part(self, name):
        return next((e for e in self.entries if e.name == name), None)


def rebuild(entries):
    """A ZIP of (name, data, method) entries in this order, CRCs computed afresh."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # duplicate names are made on purpose
        with zipfile.ZipFile(out, "w") as package:
            for entry in entries:
                info = zipfile.ZipInfo(entry.name, FIXED_DATE)
                package.writestr(info, entry.data, entry.method)
    return out.getvalue()


def replaced(source, name, data):
    return [Entry(e.name, data if e.name == name else e.data, e.method) for e in source.entries]


def with_checksum(entries):
    """Entries with Origin.xml's model.xml checksum recomputed (so a damaged model.xml is parsed)."""
    from azext_bacpac.format.parts import model_checksum
    model = next((e for e in entries if e.name == MODEL), None)
    origin = next((e for e in entries if e.name == ORIGIN), None)
    if model is None or origin is None:
        return entries
    digest = model_checksum(model.data).encode()
    origin_data = re.sub(rb'(<Checksum Uri="/model.xml">)[0-9A-Fa-f]*(</Checksum>)',
                         lambda m: m.group(1) + digest + m.group(2), origin.data)
    return [Entry(e.name, origin_data if e.name == ORIGIN else e.data, e.method) for e in entries]


def bcp_prefixes(data, layout):
    """Walk BCP rows independently of the codec: ([(offset, width)] of every prefix, [row end offsets])."""
    from azext_bacpac.format.sqltypes import FixedCodec, codec_for
    codecs = [codec_for(c.sql_type, c.nullable, c.encrypted) for c in layout]
    prefixes, ends, pos = [], [], 0
    try:
        while pos < len(data):
            for column, codec in zip(layout, codecs):
                if isinstance(codec, FixedCodec):
                    if not column.nullable and not codec.prefix_not_null:
                        pos += codec.width
                        continue
                    prefixes.append((pos, 1))
                    n = data[pos]
                    pos += 1 + (codec.width if n == codec.width else 0)
                    continue
                width = codec.prefix
                prefixes.append((pos, width))
                n = int.from_bytes(data[pos:pos + width], "little")
                pos += width
                if n != (1 << (8 * width)) - 1:
                    pos += n
            if pos > len(data):
                break
            ends.append(pos)
    except IndexError:
        pass
    return prefixes, ends


def central_records(data):
    """[(offset of a central directory record, entry name bytes)]."""
    found, at = [], data.find(b"PK\x01\x02")
    while at >= 0 and at + 46 <= len(data):
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        found.append((at, data[at + 46:at + 46 + name_length]))
        at = data.find(b"PK\x01\x02", at + 4)
    return found


# ---- mutations ------------------------------------------------------------------------------------
# Each returns (package bytes, detail text, expectation): "refuse" (importing it would be silent
# damage), "identical" (a harmless change: importing must give the original rows), or "any".

def m_bitflip(rng, src):
    data = bytearray(src.data)
    flips = rng.randint(1, 8)
    for _ in range(flips):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data), f"{flips} bit(s) flipped anywhere", "any"


def m_truncate(rng, src):
    cut = rng.randrange(len(src.data))
    return src.data[:cut], f"file cut at byte {cut} of {len(src.data)}", "refuse"


def m_append(rng, src):
    extra = rng.choice([b"\x00" * rng.randint(1, 4096), rng.randbytes(rng.randint(1, 4096)),
                        b"PK\x05\x06" + rng.randbytes(rng.randint(18, 200))])
    return src.data + extra, f"{len(extra)} byte(s) appended", "any"


def m_prepend(rng, src):
    extra = rng.randbytes(rng.randint(1, 4096))
    return extra + src.data, f"{len(extra)} byte(s) prepended", "any"


def _pick_bcp(rng, src, with_rows=True):
    pool = src.bcp_with_rows if with_rows else src.bcp
    return rng.choice(pool) if pool else None


def m_bcp_bitflip(rng, src):
    entry = _pick_bcp(rng, src)
    if entry is None:
        return m_bitflip(rng, src)
    data = bytearray(entry.data)
    flips = rng.randint(1, 4)
    for _ in range(flips):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return rebuild(replaced(src, entry.name, bytes(data))), f"{entry.name}: {flips} bit(s) flipped", "any"


def m_bcp_truncate(rng, src):
    entry = _pick_bcp(rng, src)
    if entry is None:
        return m_truncate(rng, src)
    cut = rng.randrange(len(entry.data))
    return rebuild(replaced(src, entry.name, entry.data[:cut])), f"{entry.name} cut at {cut}/{len(entry.data)}", \
        "refuse"


def m_bcp_drop_rows(rng, src):
    """Whole rows cut from the end of a data part: every row left decodes; only the total tells."""
    entry = _pick_bcp(rng, src)
    if entry is None:
        return m_truncate(rng, src)
    _, ends = bcp_prefixes(entry.data, src.layouts[entry.name])
    boundaries = [0] + ends[:-1]
    cut = rng.choice(boundaries)
    return rebuild(replaced(src, entry.name, entry.data[:cut])), \
        f"{entry.name}: rows after byte {cut} dropped ({len(ends) - boundaries.index(cut)} row(s))", "refuse"


def m_bcp_inflate_prefix(rng, src):
    entry = _pick_bcp(rng, src)
    if entry is None:
        return m_bitflip(rng, src)
    prefixes, _ = bcp_prefixes(entry.data, src.layouts[entry.name])
    if not prefixes:
        return m_bcp_bitflip(rng, src)
    at, width = rng.choice(prefixes)
    top = (1 << (8 * width)) - 1
    current = int.from_bytes(entry.data[at:at + width], "little")
    value = rng.choice([top - 1, top >> 1, (top >> 1) + 1, 2**31 - 1, 2**31, current + 1, current + 7,
                        max(0, current - 1), len(entry.data), rng.randrange(top)]) & top
    if value == current:
        value = top - 1
    data = entry.data[:at] + value.to_bytes(width, "little") + entry.data[at + width:]
    expect = "refuse" if width > 1 and value != top and value > len(entry.data) - at else "any"
    return rebuild(replaced(src, entry.name, data)), \
        f"{entry.name}: {width}-byte prefix at {at} {current} -> {value}", expect


def m_bcp_garbage(rng, src):
    entry = _pick_bcp(rng, src, with_rows=False)
    if entry is None:
        return m_bitflip(rng, src)
    data = rng.randbytes(rng.choice([1, 3, 16, 100, len(entry.data) or 1, 5000]))
    return rebuild(replaced(src, entry.name, data)), f"{entry.name} replaced by {len(data)} random bytes", "any"


def m_bcp_swap(rng, src):
    if len(src.bcp) < 2:
        return m_bcp_bitflip(rng, src)
    first, second = rng.sample(src.bcp, 2)
    entries = [Entry(e.name, second.data if e.name == first.name else first.data if e.name == second.name
                     else e.data, e.method) for e in src.entries]
    return rebuild(entries), f"data of {first.name} and {second.name} swapped", "any"


def m_reorder(rng, src):
    entries = list(src.entries)
    rng.shuffle(entries)
    return rebuild(entries), "entries shuffled: " + ", ".join(e.name.rsplit("/", 1)[-1][:12] for e in entries[:4]), \
        "identical"


def m_duplicate(rng, src):
    entry = rng.choice(src.entries)
    copy = Entry(entry.name, rng.choice([entry.data, entry.data[::-1], b""]), entry.method)
    entries = list(src.entries)
    entries.insert(rng.randint(0, len(entries)), copy)
    return rebuild(entries), f"{entry.name} twice", "refuse"


def m_drop_entry(rng, src):
    entry = rng.choice(src.entries)
    expect = "refuse" if entry.name in (MODEL, ORIGIN) or (entry.name in src.layouts and entry.data) else "any"
    return rebuild([e for e in src.entries if e is not entry]), f"{entry.name} removed", expect


def m_unsafe_name(rng, src):
    entry = rng.choice(src.entries)
    bad = rng.choice(["../" + entry.name, "/" + entry.name, entry.name.replace("/", "\\") + "\\x",
                      "C:/" + entry.name, "Data/../../" + entry.name, entry.name + "\x00"])
    placeholder = bad.replace("\x00", "#")        # zipfile cuts names at NUL: patched in afterwards
    entries = list(src.entries) + [Entry(placeholder, b"x" * rng.randint(0, 64), zipfile.ZIP_STORED)]
    data = rebuild(entries).replace(placeholder.encode(), bad.encode())
    return data, f"extra entry {bad!r}", "refuse"


def m_declared_size(rng, src):
    """An entry's uncompressed size in the central directory set to something it is not."""
    records = central_records(src.data)
    at, name = rng.choice(records)
    actual = struct.unpack_from("<I", src.data, at + 24)[0]
    compressed = struct.unpack_from("<I", src.data, at + 20)[0]
    size = rng.choice([0xFFFFFFFE, 0xF0000000, compressed * 1100 + 5000, actual + 1, actual * 2 + 1,
                       max(0, actual - 1), 0, rng.randrange(0xFFFFFFFF)])
    if size == actual:
        size = actual + 1
    data = src.data[:at + 24] + struct.pack("<I", size) + src.data[at + 28:]
    # A deflated entry that claims a little more than it holds still ends at its end-of-stream mark
    # and passes its CRC: harmless (it must then import as the original). Less, or absurdly more: refused.
    method = struct.unpack_from("<H", src.data, at + 10)[0]
    harmless = method == zipfile.ZIP_DEFLATED and actual < size <= compressed * 1032 + 1024
    if name == TYPES.encode():
        return data, f"{TYPES}: declared size {actual} -> {size}", "any"     # never read by importers
    return data, f"{name.decode(errors='replace')}: declared size {actual} -> {size}", \
        "identical" if harmless else "refuse"


def m_local_size(rng, src):
    """The local header's sizes changed (readers use the central directory's): harmless or refused."""
    at = src.data.find(b"PK\x03\x04", rng.randrange(max(1, len(src.data) // 2)))
    if at < 0:
        at = 0
    size = rng.choice([0xFFFFFFFE, 0, 12345])
    data = src.data[:at + 22] + struct.pack("<I", size) + src.data[at + 26:]
    return data, f"local header at {at}: size -> {size}", "any"


def m_zip64_claim(rng, src):
    """An entry re-made with Zip64 headers whose uncompressed size is absurd (a bomb's claim)."""
    entry = rng.choice(src.entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for e in src.entries:
            info = zipfile.ZipInfo(e.name, FIXED_DATE)
            info.compress_type = e.method
            with package.open(info, "w", force_zip64=(e is entry)) as part:
                part.write(e.data)
    data = out.getvalue()
    claim = rng.choice([1 << 40, 1 << 50, (1 << 63) - 1, (1 << 64) - 1, 5 << 30])
    for at, name in central_records(data):
        if name == entry.name.encode():
            name_length, extra_length = struct.unpack_from("<HH", data, at + 28)
            extra_at = at + 46 + name_length
            extra = bytearray(data[extra_at:extra_at + extra_length])
            offset = 0
            while offset + 4 <= len(extra):
                tag, size = struct.unpack_from("<HH", extra, offset)
                if tag == 1 and size >= 8:
                    struct.pack_into("<Q", extra, offset + 4, claim)
                    break
                offset += 4 + size
            else:
                extra = struct.pack("<HHQ", 1, 8, claim)
                data = data[:at + 30] + struct.pack("<H", len(extra)) + data[at + 32:]
                data = data[:at + 24] + b"\xff\xff\xff\xff" + data[at + 28:]
                data = data[:extra_at] + bytes(extra) + data[extra_at + extra_length:]
                return _fix_eocd(data), f"{entry.name}: Zip64 size claim {claim}", "refuse"
            data = data[:at + 24] + b"\xff\xff\xff\xff" + data[at + 28:]
            data = data[:extra_at] + bytes(extra) + data[extra_at + extra_length:]
            return data, f"{entry.name}: Zip64 size claim {claim}", "refuse"
    return data, f"{entry.name}: Zip64 headers", "identical"


def _fix_eocd(data):
    """Recompute the end record's central directory size after a central record grew."""
    end = data.rfind(b"PK\x05\x06")
    start = struct.unpack_from("<I", data, end + 16)[0]
    return data[:end + 12] + struct.pack("<I", end - start) + data[end + 16:]


def m_compression_method(rng, src):
    records = central_records(src.data)
    at, name = rng.choice(records)
    method = rng.choice([1, 6, 9, 12, 14, 93, 95, 99, 0xFFFF])
    data = src.data[:at + 10] + struct.pack("<H", method) + src.data[at + 12:]
    return data, f"{name.decode(errors='replace')}: compression method {method}", "refuse"


BILLION_LAUGHS = (b'<?xml version="1.0" encoding="utf-8"?>\r\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\r\n')


def _xml_attack(rng, kind):
    if kind == "bomb":
        return BILLION_LAUGHS, "&lol9;"
    if kind == "xxe-file":
        return b'<?xml version="1.0"?>\r\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\r\n', "&x;"
    if kind == "xxe-http":
        return b'<?xml version="1.0"?>\r\n<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">\r\n', ""
    if kind == "parameter":
        return (b'<?xml version="1.0"?>\r\n<!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>\r\n',
                "")
    return (b'<?xml version="1.0"?>\r\n<!DOCTYPE d [<!ENTITY big "' + b"A" * rng.randint(1000, 100000) + b'">]>\r\n',
            "&big;&big;&big;")


def m_xml_entities(rng, src):
    part = rng.choice([MODEL, ORIGIN, RELS, METADATA] if src.part(RELS) else [MODEL, ORIGIN, METADATA])
    entry = src.part(part)
    kind = rng.choice(["bomb", "xxe-file", "xxe-http", "parameter", "internal"])
    prologue, reference = _xml_attack(rng, kind)
    body = re.sub(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>\s*", b"", entry.data)
    # put the entity reference into the first element's text
    body = re.sub(rb"(<[A-Za-z][^>]*[^/]>)", lambda m: m.group(1) + reference.encode(), body, count=1)
    entries = replaced(src, part, prologue + body)
    if part == MODEL and rng.random() < 0.7:
        entries = with_checksum(entries)
    return rebuild(entries), f"{part}: {kind} DOCTYPE", "refuse"


def m_xml_bitflip(rng, src):
    part = rng.choice([e.name for e in src.entries if e.name in XML_PARTS])
    entry = src.part(part)
    data = bytearray(entry.data)
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.choice([0, 0x3C, 0x3E, 0x22, 0x26, 0xFF, rng.randrange(256)])
    entries = with_checksum(replaced(src, part, bytes(data)))
    return rebuild(entries), f"{part}: bytes changed (checksum recomputed)", "any"


def m_xml_truncate(rng, src):
    part = rng.choice([e.name for e in src.entries if e.name in XML_PARTS])
    entry = src.part(part)
    cut = rng.randrange(len(entry.data))
    entries = with_checksum(replaced(src, part, entry.data[:cut]))
    return rebuild(entries), f"{part} cut at {cut}/{len(entry.data)}", \
        "refuse" if part in (MODEL, ORIGIN, METADATA) else "any"


def m_xml_deep(rng, src):
    """Deeply nested elements inside model.xml (recursion in any tree walk would overflow)."""
    depth = rng.choice([1000, 20000, 100000])
    nest = b"<R>" * depth + b"</R>" * depth
    entry = src.part(MODEL)
    data = entry.data.replace(b"</Model>", nest + b"</Model>", 1)
    return rebuild(with_checksum(replaced(src, MODEL, data))), f"model.xml: {depth} nested elements", "any"


_VALUES = [b"0", b"-1", b"1", b"max", b"", b"x", b"99999999999999999999", b"2147483648", b"8001", b"38",
           b"-2147483649", b"1e9", b"True", b"[dbo]", b"]"]


def m_model_value(rng, src):
    """A Value="..." or Name="..." attribute of model.xml changed (checksum recomputed): types, lengths, names."""
    entry = src.part(MODEL)
    spots = [m.span(2) for m in re.finditer(rb'(Value|Name)="([^"]*)"', entry.data)]
    if not spots:
        return m_xml_bitflip(rng, src)
    start, end = rng.choice(spots)
    value = rng.choice(_VALUES + [b"[int]", b"[nvarchar]", b"[varbinary]", b"[sql_variant]", b"[decimal]",
                                  b"[xml]", b"[dbo].[Nope]", b"[sys].[geography]"])
    data = entry.data[:start] + value + entry.data[end:]
    return rebuild(with_checksum(replaced(src, MODEL, data))), \
        f"model.xml: {entry.data[start:end][:40]!r} -> {value!r}", "any"


SQL_PAYLOADS = [b'X, "pwn" TEXT DEFAULT \'INJECTED\'', b"1 --", b"0); CREATE TABLE pwned (x) --",
                b"[a] = 1) OR (1=1", b"1; DROP TABLE x"]


def m_sql_text(rng, src):
    """Package text as SQL: a type reference, an index filter or a default made into a payload that would
    add a column, end its statement or comment out the rest (checksum recomputed). Whatever happens, no
    'pwn' column nor 'pwned' table may appear in the target (see _verify)."""
    entry = src.part(MODEL)
    payload = rng.choice(SQL_PAYLOADS)
    spots = [m.span(1) for m in re.finditer(rb'<References Name="\[([^\]"]*)\]"', entry.data)]
    spots += [m.span(1) for m in re.finditer(rb'Name="(?:FilterPredicate|DefaultExpressionScript)">\s*<Value>'
                                             rb'<!\[CDATA\[(.*?)\]\]>', entry.data, re.S)]
    if not spots:
        return m_xml_bitflip(rng, src)
    start, end = rng.choice(spots)
    escaped = payload.replace(b"&", b"&amp;").replace(b'"', b"&quot;").replace(b"<", b"&lt;")
    data = entry.data[:start] + escaped + entry.data[end:]
    return rebuild(with_checksum(replaced(src, MODEL, data))), \
        f"model.xml: {entry.data[start:end][:40]!r} -> {payload!r}", "any"


def m_bad_cell(rng, src):
    """A decimal cell stored with another scale, or beyond its precision: it decodes, but its column
    cannot hold it, so the import must refuse it (it used to store 12345 as 123)."""
    candidates = []
    for entry in src.bcp_with_rows:
        for column in src.layouts[entry.name]:
            sql_type = column.sql_type
            if sql_type.name in ("decimal", "numeric") and not column.encrypted:
                precision = 18 if sql_type.precision is None else sql_type.precision
                header = bytes([19, precision, sql_type.scale or 0])
                candidates += [(entry, at + 1) for at in range(len(entry.data)) if entry.data.startswith(header, at)]
    if not candidates:
        return m_bcp_bitflip(rng, src)
    entry, at = rng.choice(candidates)
    data = bytearray(entry.data)
    if rng.random() < 0.5:
        data[at + 1] = (data[at + 1] + 1) % 39                           # another scale byte
    else:
        data[at + 3:at + 19] = (10 ** 38).to_bytes(16, "little")          # more digits than any precision
    return rebuild(replaced(src, entry.name, bytes(data))), f"{entry.name}: decimal cell at byte {at}", "refuse"


def m_origin_total(rng, src):
    entry = src.part(ORIGIN)
    match = re.search(rb"<TableRowCountTotalTag>(\d+)</TableRowCountTotalTag>", entry.data)
    if match is None:
        return m_xml_bitflip(rng, src)
    actual = int(match.group(1))
    value = rng.choice([actual + 1, max(0, actual - 1), 0, actual * 2 + 3, 2**63 - 1])
    if value == actual:
        value = actual + 1
    data = entry.data[:match.start(1)] + str(value).encode() + entry.data[match.end(1):]
    return rebuild(replaced(src, ORIGIN, data)), f"Origin.xml total {actual} -> {value}", "refuse"


def m_rels(rng, src):
    entry = src.part(RELS)
    if entry is None:
        return m_xml_bitflip(rng, src)
    data = entry.data
    choice = rng.randrange(4)
    if choice == 0:     # bind a data part to another table
        names = re.findall(rb'Type="table=([^"]*)"', data)
        if len(names) > 1:
            a, b = rng.sample(sorted(set(names)) or names, 2) if len(set(names)) > 1 else (names[0], names[0])
            data = data.replace(b'Type="table=' + a + b'"', b'Type="table=' + b + b'"', 1)
        detail = "a part bound to another table"
    elif choice == 1:
        data = data.replace(b'Target="/', b'Target="/../', 1)
        detail = "a Target with '..'"
    elif choice == 2:
        data = data.replace(b'Type="schema=', b'Type="schema=nope', 1)
        detail = "a part bound to an unknown schema"
    else:
        data = b""
        detail = "emptied"
    return rebuild(replaced(src, RELS, data)), f"_rels/.rels: {detail}", "any"


def m_case_twin(rng, src):
    """A second entry whose name differs from one of the package's only in case (Model.xml, ...)."""
    entry = rng.choice(src.entries)
    twin = entry.name.swapcase() if entry.name.swapcase() != entry.name else entry.name + ".X"
    return rebuild(list(src.entries) + [Entry(twin, entry.data, entry.method)]), f"extra entry {twin!r}", \
        "refuse" if twin.casefold() == entry.name.casefold() else "any"


def lying_offset(data, name):
    """`data` with entry `name`'s central header offset moved far past the end by a Zip64 extra field."""
    at = data.index(b"PK\x01\x02")
    while True:
        length, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + length].decode(errors="replace") == name:
            break
        at = data.index(b"PK\x01\x02", at + 46)
    zip64 = struct.pack("<HHQ", 1, 8, (1 << 62) + 5)
    record = bytearray(data[at:at + 46 + length + extra + comment])
    struct.pack_into("<I", record, 42, 0xFFFFFFFF)
    struct.pack_into("<H", record, 30, extra + len(zip64))
    record[46 + length + extra:46 + length + extra] = zip64
    patched = data[:at] + bytes(record) + data[at + len(record) - len(zip64):]
    end = patched.rindex(b"PK\x05\x06")
    size = struct.unpack_from("<I", patched, end + 12)[0]
    return patched[:end + 12] + struct.pack("<I", size + len(zip64)) + patched[end + 16:]


def m_zip64_offset(rng, src):
    """A Zip64 header offset that lies (past the end of the file)."""
    entry = rng.choice(src.entries)
    data = lying_offset(rebuild(list(src.entries)), entry.name)
    return data, f"{entry.name}: Zip64 header offset 2**62+5", "refuse" if entry.name != TYPES else "any"


def m_model_padding(rng, src):
    """model.xml padded with whitespace between elements (checksum recomputed): same model, more bytes."""
    model = src.part(MODEL).data
    padded = model.replace(b"<Model>", b"<Model>" + b" \r\n\t" * rng.choice([1 << 10, 1 << 18, 1 << 20]), 1)
    return rebuild(with_checksum(replaced(src, MODEL, padded))), f"model.xml padded to {len(padded)} bytes", "any"


MUTATIONS = {
    "bitflip": m_bitflip, "truncate": m_truncate, "append": m_append, "prepend": m_prepend,
    "bcp-bitflip": m_bcp_bitflip, "bcp-truncate": m_bcp_truncate, "bcp-drop-rows": m_bcp_drop_rows,
    "bcp-inflate-prefix": m_bcp_inflate_prefix, "bcp-garbage": m_bcp_garbage, "bcp-swap": m_bcp_swap,
    "reorder": m_reorder, "duplicate": m_duplicate, "drop-entry": m_drop_entry, "unsafe-name": m_unsafe_name,
    "declared-size": m_declared_size, "local-size": m_local_size, "zip64-claim": m_zip64_claim,
    "compression-method": m_compression_method, "xml-entities": m_xml_entities, "xml-bitflip": m_xml_bitflip,
    "xml-truncate": m_xml_truncate, "xml-deep": m_xml_deep, "model-value": m_model_value,
    "origin-total": m_origin_total, "rels": m_rels, "sql-text": m_sql_text, "bad-cell": m_bad_cell,
    "case-twin": m_case_twin, "zip64-offset": m_zip64_offset, "model-padding": m_model_padding,
}


def vector_names():
    from tests.vectors import ALL
    return list(ALL)


def case_spec(seed, index, vectors, kinds):
    """The (vector, mutation, case seed) of case `index`: every pair in turn, each with its own seed."""
    pairs = [(v, k) for k in kinds for v in vectors]
    vector, kind = pairs[index % len(pairs)]
    return {"index": index, "vector": vector, "kind": kind, "seed": f"{seed}:{index}"}


# ---- one case -------------------------------------------------------------------------------------

class CaseTimeout(BaseException):
    """Raised by SIGALRM in a worker: the case ran past its time box."""


def _on_alarm(*_):
    raise CaseTimeout()


def _allowed(error):
    from azext_bacpac.errors import BacpacError
    from azext_bacpac.format.errors import BacpacFormatError
    return isinstance(error, (BacpacError, BacpacFormatError, _CliRefusal))


def _classify(error, where):
    """(outcome, finding or None) for an exception raised by inspect or import."""
    name = type(error).__name__
    if isinstance(error, CaseTimeout):
        return "HANG", ("hang", f"{where}: over the time box")
    if isinstance(error, MemoryError):
        return "MEMORY", ("memory", f"{where}: MemoryError")
    if not _allowed(error):
        stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return f"TRACEBACK:{name}", ("traceback", f"{where}: {name}: {error}\n{stack}")
    message = str(error)
    if isinstance(error, _CliRefusal):
        name = "az:" + error.az_class
    if not message.strip() or "\n" in message or len(message) > MAX_MESSAGE:
        return f"refused:{name}", ("unclear", f"{where}: {name} message not one clear line: {message[:300]!r}")
    return f"refused:{name}", None


def db_rows(path):
    """{sqlite table: sorted reprs of its rows} for every user table (catalog tables included)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [n for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: sorted(map(repr, connection.execute(f'SELECT * FROM "{n.replace(chr(34), chr(34) * 2)}"')))
                for n in names}
    finally:
        connection.close()


def decoded_vs_imported(package_path, db_path):
    """Compare the imported tables with an independent decode of the package: (problems, decoded total,
    Origin's total or None). The decoded rows go through the engine's row mapper into an in-memory
    table of the same declaration, so that both sides have SQLite's type affinity applied."""
    from azext_bacpac.engines.sqlite_ddl import plan_tables
    from azext_bacpac.engines.sqlite_schema import quote_ident
    from azext_bacpac.format.package import PackageReader
    problems = []
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        with PackageReader(str(package_path), verify_checksum=False) as reader:
            plans, _ = plan_tables(reader.model, [t.table for t in reader.tables])
            by_name = {plan.table.full_name: plan for plan in plans}
            total = 0
            for table in reader.tables:
                plan = by_name[table.full_name]
                mapper = plan.row_mapper()
                width = len(plan.columns)
                variants = [c.name for c in plan.columns if c.companion]
                names = ", ".join(quote_ident(c.name) for c in plan.columns)
                expected = sqlite3.connect(":memory:")
                expected_variants = []
                try:
                    expected.execute(plan.create_table_sql())
                    count = 0
                    for batch in reader.row_batches(table):
                        rows = list(batch if mapper is None else map(mapper, batch))
                        expected.executemany(plan.insert_sql(), [row[:width] for row in rows])
                        expected_variants.extend((name, raw) for row in rows
                                                 for name, raw in zip(variants, row[width:]) if raw is not None)
                        count += len(batch)
                    total += count
                    select = f"SELECT {names} FROM {quote_ident(plan.sqlite_name)}"
                    decoded = sorted(map(repr, expected.execute(select)))
                finally:
                    expected.close()
                stored = sorted(map(repr, connection.execute(select)))
                stored_variants = sorted(connection.execute(
                    "SELECT column_name, value FROM __bacpac_variants WHERE sqlite_name = ?", (plan.sqlite_name,))
                    ) if variants else []
                if len(stored) != len(decoded):
                    problems.append(f"{table.full_name}: {len(stored)} rows imported, {len(decoded)} decoded")
                elif stored != decoded or stored_variants != sorted(expected_variants):
                    problems.append(f"{table.full_name}: imported rows differ from the decoded rows")
            origin_total = reader.origin.total_rows if reader.origin.has_export_statistics else None
    finally:
        connection.close()
    return problems, total, origin_total


def bcp_contents(data):
    """{entry: bytes} of the data entries a plain ZIP reader sees (None when it cannot)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return {i.filename: package.read(i) for i in package.infolist() if i.filename.startswith("Data/")}
    except Exception:   # noqa: BLE001 - unreadable is an answer here
        return None


def _parallel(spec):
    """Every fourth case imports through the parallel decoder processes (when the pipeline has them)."""
    import inspect
    from azext_bacpac.pipelines import import_package
    if spec["index"] % 4 == 3 and "workers" in inspect.signature(import_package).parameters:
        return {"workers": 2}
    return {}


class Runner:
    """Runs cases in this process: caches the vectors and the rows of their clean imports."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.sources = {}
        self.baselines = {}

    def source(self, name):
        if name not in self.sources:
            self.sources[name] = Source(name)
        return self.sources[name]

    def baseline(self, name):
        if name not in self.baselines:
            folder = self.workdir / "baseline"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            package = folder / "clean.bacpac"
            package.write_bytes(self.source(name).data)
            db_folder = folder / "db"
            db_folder.mkdir()
            from azext_bacpac.pipelines import import_package
            import_package(str(package), "sqlite:///" + str(db_folder), "fuzz")
            self.baselines[name] = db_rows(db_folder / "fuzz.sqlite")
            shutil.rmtree(folder, ignore_errors=True)
        return self.baselines[name]

    def mutate(self, spec):
        src = self.source(spec["vector"])
        rng = random.Random(spec["seed"])
        return MUTATIONS[spec["kind"]](rng, src)

    def run(self, spec, timeout=None, via_cli=False):
        from azext_bacpac.pipelines import import_package, inspect_package
        result = {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"], "findings": []}
        started = time.monotonic()
        case_dir = self.workdir / f"case-{spec['index']}"
        shutil.rmtree(case_dir, ignore_errors=True)
        case_dir.mkdir(parents=True)
        old_handler = signal.signal(signal.SIGALRM, _on_alarm) if timeout else None
        try:
            if timeout:
                signal.alarm(int(timeout))
            baseline = self.baseline(spec["vector"])
            data, detail, expect = self.mutate(spec)
            result.update(detail=detail, expect=expect, size=len(data))
            package = case_dir / "fuzzed.bacpac"
            package.write_bytes(data)
            db_folder = case_dir / "db"
            db_folder.mkdir()
            # inspect
            try:
                if via_cli:
                    cli_inspect(str(package))
                else:
                    inspect_package(str(package))
                result["inspect"] = "ok"
            except BaseException as error:   # noqa: BLE001 - classified
                result["inspect"], finding = _classify(error, "inspect")
                if finding:
                    result["findings"].append(finding)
                if isinstance(error, (CaseTimeout, KeyboardInterrupt)):
                    raise
            # import
            try:
                if via_cli:
                    cli_import(str(package), "sqlite:///" + str(db_folder), "fuzz", timeout or 60)
                else:
                    import_package(str(package), "sqlite:///" + str(db_folder), "fuzz", **_parallel(spec))
                imported = True
            except BaseException as error:   # noqa: BLE001 - classified
                imported = False
                result["import"], finding = _classify(error, "import")
                if finding:
                    result["findings"].append(finding)
                if isinstance(error, (CaseTimeout, KeyboardInterrupt)):
                    raise
            left = sorted(p.name for p in db_folder.iterdir())
            if left != (["fuzz.sqlite"] if imported else []):
                result["findings"].append(("leftover", f"files in the SQLite folder after the import: {left}"))
            if imported:
                result["import"] = self._verify(result, spec, data, package, db_folder / "fuzz.sqlite",
                                                baseline, expect)
        except CaseTimeout:
            result.setdefault("inspect", "HANG")
            result.setdefault("import", "HANG")
            if not any(kind == "hang" for kind, _ in result["findings"]):
                result["findings"].append(("hang", "the case ran past its time box"))
        finally:
            if timeout:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old_handler)
            shutil.rmtree(case_dir, ignore_errors=True)
        result["seconds"] = round(time.monotonic() - started, 3)
        return result

    def _verify(self, result, spec, data, package, db_path, baseline, expect):
        """An import succeeded: was it allowed to, and does it hold exactly what the package decodes to?"""
        with sqlite3.connect(db_path) as conn:
            schema = " ".join(sql or "" for (sql,) in conn.execute("SELECT sql FROM sqlite_master"))
            names = {name.lower() for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            columns = {column.lower() for name in names for (_, column, *_) in
                       conn.execute(f'PRAGMA table_info("{name.replace(chr(34), chr(34) * 2)}")')}
        if "pwned" in names or "pwn" in columns or re.search(r"\bDEFAULT 'INJECTED'", schema):
            result["findings"].append(("corrupted", f"package text reached SQL as code ({result['detail']})"))
        problems, total, origin_total = decoded_vs_imported(package, db_path)
        for problem in problems:
            result["findings"].append(("silent", f"imported rows do not match the decode: {problem}"))
        if origin_total is not None and total != origin_total:
            result["findings"].append(("silent", f"imported {total} rows, Origin.xml says {origin_total}"))
        if expect == "refuse":
            result["findings"].append(("silent", f"a package that must be refused was imported ({result['detail']})"))
        identical = db_rows(db_path) == baseline
        if expect == "identical" and not identical:
            result["findings"].append(("silent", "a harmless change gave different rows"))
        if identical:
            return "imported-identical"
        original = self.source(spec["vector"])
        now = bcp_contents(data)
        if now is not None and now != {e.name: e.data for e in original.bcp}:
            return "imported-valid-damage"     # BCP bytes changed, every row still decodes, totals agree
        return "imported-changed-model"


# ---- the az route (DummyCli) ---------------------------------------------------------------------

_CLI_READY = []


def _cli_environment():
    """Point az at a private config folder and this checkout (as tests/cli/conftest.py does)."""
    if _CLI_READY:
        return
    root = tempfile.mkdtemp(prefix="bacpac-fuzz-az-")
    dev = os.path.join(root, "dev-extensions")
    target = os.path.join(dev, "bacpac")
    os.makedirs(dev)
    if (REPO / "bacpac.egg-info").exists():
        os.symlink(str(REPO), target)
    else:
        os.makedirs(os.path.join(target, "bacpac.egg-info"))
        os.symlink(str(REPO / "azext_bacpac"), os.path.join(target, "azext_bacpac"))
        with open(os.path.join(target, "bacpac.egg-info", "PKG-INFO"), "w") as handle:
            handle.write("Metadata-Version: 2.1\nName: bacpac\nVersion: 0.1.0\n")
    os.environ.update({"AZURE_CONFIG_DIR": os.path.join(root, "config"), "AZURE_EXTENSION_DEV_SOURCES": dev,
                       "AZEXT_BACPAC_OPERATIONS_DIR": os.path.join(root, "config", "bacpac"),
                       "AZURE_CORE_COLLECT_TELEMETRY": "false", "AZURE_CORE_NO_COLOR": "true"})
    _CLI_READY.append(root)


class CliFailure(Exception):
    """az ended with an error; `error` is the exception az recorded."""

    def __init__(self, error, exit_code, stderr):
        super().__init__(str(error))
        self.error, self.exit_code, self.stderr = error, exit_code, stderr


def run_az(*args):
    """(exit code, stdout, stderr, error) of one in-process az invocation."""
    import contextlib
    _cli_environment()
    from azure.cli.core.mock import DummyCli
    out, err = io.StringIO(), io.StringIO()
    cli = DummyCli()
    error = None
    with contextlib.redirect_stderr(err):
        try:
            exit_code = cli.invoke(list(args), out_file=out)
            error = cli.result.error if cli.result is not None else None
        except SystemExit as ex:
            exit_code = ex.code
    return exit_code, out.getvalue(), err.getvalue(), error


def _cli_check(exit_code, stderr, error):
    from azure.cli.core import azclierror
    if exit_code == 0:
        return
    if error is None or isinstance(error, azclierror.CLIInternalError) or not isinstance(error, azclierror.AzCLIError) \
            or "Traceback" in stderr:
        raise RuntimeError(f"az failed without a clear error (exit {exit_code}): {stderr.strip()[-1500:]}")
    raise _CliRefusal(error)


class _CliRefusal(Exception):
    """A clean az failure (an azclierror other than CLIInternalError), counted like a BacpacError."""

    def __init__(self, error):
        super().__init__(str(error))
        self.az_class = type(error).__name__


def cli_inspect(path):
    exit_code, _, stderr, error = run_az("sql", "db", "bacpac", "inspect", "--storage-uri", path)
    _cli_check(exit_code, stderr, error)


def cli_import(path, server, database, timeout):
    exit_code, _, stderr, error = run_az("sql", "db", "bacpac", "import", "-s", server, "-n", database,
                                         "--storage-uri", path)
    _cli_check(exit_code, stderr, error)


# ---- the pool -------------------------------------------------------------------------------------

def _worker(connection, workdir, timeout, memory_bytes):
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner = Runner(workdir)
    while True:
        message = connection.recv()
        if message is None:
            break
        spec, via_cli = message
        try:
            result = runner.run(spec, timeout, via_cli)
        except MemoryError:
            result = {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"],
                      "inspect": "MEMORY", "import": "MEMORY", "findings": [("memory", "MemoryError in the runner")]}
        result["max_rss_kib"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        connection.send(result)


class Pool:
    """Worker processes fed one case at a time; a worker past the hard time limit is killed."""

    def __init__(self, size, workdir, timeout, memory_bytes):
        import multiprocessing
        self.context = multiprocessing.get_context("fork")
        self.size, self.workdir, self.timeout, self.memory_bytes = size, workdir, timeout, memory_bytes
        self.slots = [self._start(i) for i in range(size)]

    def _start(self, number):
        parent, child = self.context.Pipe()
        folder = os.path.join(self.workdir, f"worker-{number}-{time.monotonic_ns()}")
        process = self.context.Process(target=_worker, args=(child, folder, self.timeout, self.memory_bytes),
                                       daemon=True)
        process.start()
        child.close()
        return {"number": number, "process": process, "connection": parent, "case": None, "started": None}

    def run(self, specs, on_result):
        from multiprocessing.connection import wait
        pending = list(specs)
        pending.reverse()
        busy = 0
        while pending or busy:
            for slot in self.slots:
                if slot["case"] is None and pending:
                    slot["case"] = pending.pop()
                    slot["started"] = time.monotonic()
                    slot["connection"].send(slot["case"])
                    busy += 1
            ready = wait([s["connection"] for s in self.slots if s["case"] is not None], timeout=0.5)
            for index, slot in enumerate(self.slots):
                if slot["case"] is None:
                    continue
                spec = slot["case"][0]
                if slot["connection"] in ready:
                    try:
                        on_result(slot["connection"].recv())
                        slot["case"] = None
                        busy -= 1
                        continue
                    except (EOFError, OSError):
                        code = slot["process"].exitcode
                        self._replace(index)
                        busy -= 1
                        on_result(_lost(spec, "memory", f"the worker died (exit code {code}; a signal or the "
                                                        f"memory limit)"))
                        continue
                if time.monotonic() - slot["started"] > self.timeout + 5:
                    self._replace(index, kill=True)
                    busy -= 1
                    on_result(_lost(spec, "hang", f"killed after {self.timeout + 5} s"))

    def _replace(self, index, kill=False):
        slot = self.slots[index]
        if kill and slot["process"].is_alive():
            slot["process"].kill()
        slot["process"].join(5)
        slot["connection"].close()
        self.slots[index] = self._start(slot["number"])

    def close(self):
        for slot in self.slots:
            try:
                slot["connection"].send(None)
            except OSError:
                pass
        for slot in self.slots:
            slot["process"].join(10)
            if slot["process"].is_alive():
                slot["process"].kill()


def _lost(spec, kind, text):
    outcome = "HANG" if kind == "hang" else "MEMORY"
    return {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"], "inspect": outcome,
            "import": outcome, "findings": [(kind, text)], "max_rss_kib": 0}


# ---- the report -----------------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.cases = 0
        self.inspect = collections.Counter()
        self.imports = collections.Counter()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.findings = collections.defaultdict(list)
        self.max_rss_kib = 0
        self.slowest = (0.0, None)

    def add(self, result):
        self.cases += 1
        self.inspect[result.get("inspect", "?")] += 1
        self.imports[result.get("import", "?")] += 1
        self.by_kind[result["kind"]][result.get("import", "?").split(":")[0]] += 1
        for kind, text in result["findings"]:
            self.findings[kind].append((result["index"], result["vector"], result["kind"], result.get("detail"), text))
        self.max_rss_kib = max(self.max_rss_kib, result.get("max_rss_kib", 0))
        if result.get("seconds", 0) > self.slowest[0]:
            self.slowest = (result["seconds"], result["index"])

    @property
    def finding_count(self):
        return sum(len(v) for v in self.findings.values())

    def report(self, out=sys.stdout, elapsed=None, header=""):
        print(header, file=out)
        print(f"cases run: {self.cases}" + (f" in {elapsed:.1f} s" if elapsed is not None else ""), file=out)
        print("inspect outcomes:", file=out)
        for name, count in self.inspect.most_common():
            print(f"  {count:7d}  {name}", file=out)
        print("import outcomes:", file=out)
        for name, count in self.imports.most_common():
            print(f"  {count:7d}  {name}", file=out)
        print("import outcomes by mutation:", file=out)
        for kind in sorted(self.by_kind):
            counts = ", ".join(f"{n} {c}" for n, c in self.by_kind[kind].most_common())
            print(f"  {kind:20s} {counts}", file=out)
        for kind in ("traceback", "hang", "memory", "silent", "corrupted", "unclear", "leftover"):
            print(f"{kind + ':':11s} {len(self.findings.get(kind, []))}", file=out)
        counted = {kind: len(self.findings.get(kind, [])) for kind in ("traceback", "hang", "leftover", "corrupted")}
        print(f"counts: cases tried {self.cases}, tracebacks {counted['traceback']}, hangs {counted['hang']}, "
              f"partial outputs {counted['leftover']}, corrupted targets {counted['corrupted']}, stuck or flipped "
              f"records n/a (scripts/faults.py), leftover files {counted['leftover']}, secrets seen n/a "
              f"(tests/reliability/test_secrets.py)", file=out)
        print(f"max RSS: {self.max_rss_kib / 1024:.1f} MiB (largest worker, or process below one)", file=out)
        if self.slowest[1] is not None:
            print(f"slowest case: #{self.slowest[1]} {self.slowest[0]:.2f} s", file=out)
        for kind, items in sorted(self.findings.items()):
            for index, vector, mutation, detail, text in items[:5]:
                print(f"FINDING {kind} case #{index} {vector} {mutation} ({detail}): {text[:3000]}", file=out)
            if len(items) > 5:
                print(f"... and {len(items) - 5} more {kind} finding(s)", file=out)


def fuzz(cases, seed=0, workers=2, timeout=20, memory_mib=1024, kinds=None, vectors=None, cli_cases=0,
         on_result=None):
    """Run `cases` cases (plus `cli_cases` through az) and return the Tally."""
    vectors = vectors or vector_names()
    kinds = kinds or sorted(MUTATIONS)
    specs = [(case_spec(seed, i, vectors, kinds), False) for i in range(cases)]
    # az cases stride through the (vector, mutation) pairs, so that a few of them cover many mutations
    specs += [(case_spec(seed + 1, cases + i * 37, vectors, kinds), True) for i in range(cli_cases)]
    tally = Tally()
    workdir = tempfile.mkdtemp(prefix="bacpac-fuzz-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    os.chmod(workdir, 0o700)
    pool = Pool(workers, workdir, timeout, memory_mib << 20 if memory_mib else 0)

    def record(result):
        tally.add(result)
        if on_result:
            on_result(result)

    try:
        pool.run(specs, record)
    finally:
        pool.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return tally


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=max(1, min(8, os.cpu_count() or 1)))
    parser.add_argument("--timeout", type=int, default=20, help="seconds per case")
    parser.add_argument("--memory-mib", type=int, default=1024, help="RLIMIT_AS per worker (0: none)")
    parser.add_argument("--cli", type=int, default=0, help="extra cases through az (DummyCli)")
    parser.add_argument("--mutation", action="append", choices=sorted(MUTATIONS), help="only these mutations")
    parser.add_argument("--vector", action="append", help="only these vectors")
    parser.add_argument("--json", help="write every case's result here")
    parser.add_argument("--replay", type=int, help="run case N in this process and print its result")
    options = parser.parse_args(argv)
    kinds = options.mutation or sorted(MUTATIONS)
    vectors = options.vector or vector_names()
    if options.replay is not None:
        spec = case_spec(options.seed, options.replay, vectors, kinds)
        workdir = tempfile.mkdtemp(prefix="bacpac-fuzz-replay-")
        try:
            result = Runner(workdir).run(spec, options.timeout)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        for kind, text in result["findings"]:
            print(f"FINDING {kind}: {text}")
        print(json.dumps({k: v for k, v in result.items() if k != "findings"}, indent=2, default=str))
        return 1 if result["findings"] else 0
    results = []
    started = time.monotonic()
    tally = fuzz(options.cases, options.seed, options.workers, options.timeout, options.memory_mib, kinds, vectors,
                 options.cli, on_result=results.append if options.json else None)
    tally.report(elapsed=time.monotonic() - started,
                 header=f"fuzz: seed {options.seed}, {len(vectors)} vectors x {len(kinds)} mutations, "
                        f"{options.workers} workers, {options.timeout} s per case, RLIMIT_AS "
                        f"{options.memory_mib} MiB, {options.cli} via az")
    if options.json:
        with open(options.json, "w") as handle:
            json.dump(results, handle, indent=1, default=str)
    return 1 if tally.finding_count else 0


if __name__ == "__main__":
    sys.exit(main())
