"""The small XML parts of a package: Origin.xml, DacMetadata.xml, [Content_Types].xml, _rels/.rels."""
import datetime
import hashlib
import secrets
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .errors import ModelError
from .xmlio import BOM, DAC_NS, TreeParser, _attr, document_bytes, local_name, parse_xml, q

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
END_SENTINEL = "0001-01-01T00:00:00.0000000"
PRODUCT_NAME = "azext_bacpac"
PRODUCT_VERSION = "0.1.0.0"


def model_checksum(model_bytes):
    """Origin.xml's checksum: SHA-256 of the exact stored model.xml bytes, upper-case hex."""
    return hashlib.sha256(model_bytes).hexdigest().upper()


def dotnet_timestamp(moment=None):
    """Local time with offset and seven fractional digits, as DacFx writes Operation/Start."""
    moment = (moment or datetime.datetime.now(datetime.timezone.utc)).astimezone()
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"
    offset = moment.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


@dataclass
class Origin:
    """Origin.xml: who exported what, the model checksum, and the total row count."""
    identity: str = field(default_factory=lambda: str(uuid.uuid4()))
    start: str = field(default_factory=dotnet_timestamp)
    end: str = END_SENTINEL
    product_name: str = PRODUCT_NAME
    product_version: str = PRODUCT_VERSION
    product_schema: str = DAC_NS
    server_version: str = ""
    object_counts: dict = field(default_factory=dict)
    source_database_size: int = 0          # KB of the source database, as DacFx reports it
    total_rows: int = 0
    checksums: dict = field(default_factory=dict)   # part URI -> upper-case hex
    model_schema_version: str = "2.9"
    version: str = "3.1.0.0"
    contains_exported_data: bool = True
    stream_versions: dict = field(default_factory=lambda: {"Data": "2.0.0.0", "DeploymentContributors": "1.0.0.0"})
    has_export_statistics: bool = True

    @classmethod
    def from_bytes(cls, data):
        root = parse_xml(data, "Origin.xml")
        if local_name(root.tag) != "DacOrigin":
            raise ModelError("Origin.xml: the root element is not <DacOrigin>")

        def text(path, default=None):
            node = root.find("/".join(q(p) for p in path.split("/")))
            return default if node is None or node.text is None else node.text

        counts = root.find(f"{q('Server')}/{q('ObjectCounts')}")
        checksums = root.find(q("Checksums"))
        streams = root.find(f"{q('PackageProperties')}/{q('StreamVersions')}")
        try:
            return cls(
                identity=text("Operation/Identity", ""), start=text("Operation/Start", ""),
                end=text("Operation/End", END_SENTINEL), product_name=text("Operation/ProductName", ""),
                product_version=text("Operation/ProductVersion", ""), product_schema=text("Operation/ProductSchema", ""),
                server_version=text("Server/ServerVersion", ""),
                object_counts={local_name(c.tag): int(c.text) for c in counts} if counts is not None else {},
                source_database_size=int(text("ExportStatistics/SourceDatabaseSize", "0")),
                total_rows=int(text("ExportStatistics/TableRowCountTotalTag", "0")),
                checksums={c.get("Uri"): (c.text or "").strip() for c in checksums} if checksums is not None else {},
                model_schema_version=text("ModelSchemaVersion", ""), version=text("PackageProperties/Version", ""),
                contains_exported_data=text("PackageProperties/ContainsExportedData", "false").lower() == "true",
                stream_versions={v.get("StreamName"): v.text for v in streams} if streams is not None else {},
                has_export_statistics=root.find(q("ExportStatistics")) is not None)
        except (TypeError, ValueError) as error:
            raise ModelError(f"Origin.xml holds a value that is not a number: {error}") from None

    def to_bytes(self):
        root = ET.Element(q("DacOrigin"))
        properties = ET.SubElement(root, q("PackageProperties"))
        _text_child(properties, "Version", self.version)
        _text_child(properties, "ContainsExportedData", "true" if self.contains_exported_data else "false")
        streams = ET.SubElement(properties, q("StreamVersions"))
        for name, version in self.stream_versions.items():
            ET.SubElement(streams, q("Version"), {"StreamName": name}).text = version
        operation = ET.SubElement(root, q("Operation"))
        for tag, value in (("Identity", self.identity), ("Start", self.start), ("End", self.end),
                           ("ProductName", self.product_name), ("ProductVersion", self.product_version),
                           ("ProductSchema", self.product_schema)):
            _text_child(operation, tag, value)
        server = ET.SubElement(root, q("Server"))
        _text_child(server, "ServerVersion", self.server_version)
        counts = ET.SubElement(server, q("ObjectCounts"))
        for kind, count in sorted(self.object_counts.items()):
            _text_child(counts, kind, str(count))
        if self.has_export_statistics:
            statistics = ET.SubElement(root, q("ExportStatistics"))
            _text_child(statistics, "SourceDatabaseSize", str(self.source_database_size))
            _text_child(statistics, "TableRowCountTotalTag", str(self.total_rows))
        checksums = ET.SubElement(root, q("Checksums"))
        for uri, digest in self.checksums.items():
            ET.SubElement(checksums, q("Checksum"), {"Uri": uri}).text = digest
        _text_child(root, "ModelSchemaVersion", self.model_schema_version)
        return document_bytes(root, "  ", bom=True)


def _text_child(parent, tag, value):
    ET.SubElement(parent, q(tag)).text = value


def dac_metadata_bytes(name, version="0.0.0.0", description=None):
    root = ET.Element(q("DacType"))
    _text_child(root, "Name", name)
    _text_child(root, "Version", version)
    if description:
        _text_child(root, "Description", description)
    return document_bytes(root, "  ", bom=True)


def read_dac_metadata(data):
    root = parse_xml(data, "DacMetadata.xml")
    values = {local_name(child.tag): child.text or "" for child in root}
    return values


def _single_line(root):
    # [Content_Types].xml and _rels/.rels are one line: declaration then root, no line breaks.
    body = document_bytes(root, "", bom=True)
    return body.replace(b"\r\n", b"")


def content_types_bytes(has_data):
    root = ET.Element(f"{{{CONTENT_TYPES_NS}}}Types")
    defaults = [("xml", "text/xml")]
    if has_data:
        defaults += [("BCP", "application/octet-stream"),
                     ("rels", "application/vnd.openxmlformats-package.relationships+xml")]
    for extension, content_type in defaults:
        ET.SubElement(root, f"{{{CONTENT_TYPES_NS}}}Default", {"Extension": extension, "ContentType": content_type})
    return _single_line(root)


def relationship_id():
    """System.IO.Packaging style: 'R' and 16 lower-case hex digits."""
    return "R" + secrets.token_hex(8)


def relationships_bytes(parts):
    """parts: [(schema, table, entry name)] -> _rels/.rels binding each BCP part to its table.

    Written as text, not built as an element tree: a package of 50,000 tables has 100,000 of
    these, and their tree would take ~50 MB. The bytes are those _single_line() gives for the tree."""
    pieces = []
    for schema, table, entry in parts:
        target = _attr("/" + entry)
        for kind, value in (("table", table), ("schema", schema)):
            pieces.append(f'<Relationship Type="{_attr(f"{kind}={value}")}" Target="{target}" '
                          f'Id="{relationship_id()}" />')
    head = f'<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="{RELATIONSHIPS_NS}"'
    body = head + (">" + "".join(pieces) + "</Relationships>" if pieces else " />")
    return BOM + body.encode("utf-8")


def read_relationships(data):
    """{entry name: (schema, table)} from _rels/.rels (read one relationship at a time: a package
    of 50,000 tables has 100,000 of them)."""
    parser = _RelationshipParser("_rels/.rels")
    parser.feed(data, final=True)
    return parser.bound


class _RelationshipParser(TreeParser):
    watch_depth = 1

    def __init__(self, part_name):
        super().__init__(part_name)
        self.bound = {}

    def ended(self, element, depth):
        if depth != 1:
            return False
        kind, _, value = (element.get("Type") or "").partition("=")
        target = (element.get("Target") or "").lstrip("/")
        if kind in ("table", "schema") and target:
            schema, table = self.bound.get(target, (None, None))
            self.bound[target] = (value, table) if kind == "schema" else (schema, value)
        return True
