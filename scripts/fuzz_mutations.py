"""Mutations of the real vectors for scripts/fuzz.py: each takes a package apart (Source, Entry) and
returns a damaged or hostile variant (see MUTATIONS). Split from fuzz.py by case family: the
vectors taken apart, then the mutations, then the case plan (which vector and mutation a case
number runs)."""
import io
import re
import struct
import warnings
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MODEL, ORIGIN, RELS = "model.xml", "Origin.xml", "_rels/.rels"
METADATA, TYPES = "DacMetadata.xml", "[Content_Types].xml"
XML_PARTS = (MODEL, ORIGIN, RELS, METADATA, TYPES)
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
