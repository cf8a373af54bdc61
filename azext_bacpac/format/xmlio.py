"""Safe XML parsing and DacFx-style XML writing for the package's parts.

Parsing refuses any DOCTYPE, so neither entity expansion nor external entities can happen.
Writing reproduces DacFx's layout: CRLF line ends, one TAB (model.xml) or two spaces (other parts)
per level, `<Tag Attr="v" />` for empty elements, character data of `Value` elements in CDATA.
"""
import xml.etree.ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape

from .errors import ModelError

DAC_NS = "http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02"
BOM = b"\xef\xbb\xbf"
MAX_XML_BYTES = 1 << 30


def _refuse_doctype(*_):
    raise ModelError("XML with a DOCTYPE is refused (entity declarations are not allowed in a BACPAC)")


def parse_xml(data, part_name):
    """Parse a part's bytes into an Element, refusing DTDs; errors name the part."""
    if len(data) > MAX_XML_BYTES:
        raise ModelError(f"{part_name} is larger than {MAX_XML_BYTES} bytes")
    parser = TreeParser(part_name)
    parser.feed(data, final=True)
    return parser.root


class TreeParser:
    """expat building an ElementTree, fed in pieces; any DOCTYPE is refused, errors name the part.

    Subclasses may watch the elements down to `watch_depth` (the root is at depth 0) begin and end
    (started(), ended()) and take them out of the tree as they complete, so that a large document is
    never held whole (format/model_stream.py). The handlers run once per element of documents of
    millions of elements: they do as little as they can."""

    watch_depth = -1

    def __init__(self, part_name):
        self.part_name = part_name
        self.root = None
        self.encoding = None                     # from the XML declaration
        self._builder = ET.TreeBuilder()
        self._open = []                          # the watched elements started and not yet ended
        self._depth = 0
        self._values = []                        # depths of the open <Value>s (scripts: every character counts)
        self._names = {}                         # expat's 'uri}name' -> ElementTree's '{uri}name'
        parser = self._parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.ordered_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        parser.XmlDeclHandler = self._declaration

    @property
    def position(self):
        """Byte offset in the document of the event being handled."""
        return self._parser.CurrentByteIndex

    def started(self, element, depth):
        """An element down to watch_depth began (its attributes are known, its children not yet)."""

    def ended(self, element, depth):
        """An element down to watch_depth is complete; return True to take it out of its parent."""
        return False

    def _declaration(self, _version, encoding, _standalone):
        self.encoding = encoding

    def _name(self, name):
        qualified = self._names[name] = _qualified(name)
        return qualified

    def _start(self, tag, attrs):
        names = self._names
        attributes = {}
        for i in range(0, len(attrs), 2):
            key = attrs[i]
            attributes[names.get(key) or self._name(key)] = attrs[i + 1]
        element = self._builder.start(names.get(tag) or self._name(tag), attributes)
        depth = self._depth
        self._depth = depth + 1
        if tag.endswith("}Value") or tag == "Value":
            self._values.append(depth)
        if depth <= self.watch_depth:
            self._open.append(element)
            self.started(element, depth)

    def _end(self, tag):
        depth = self._depth = self._depth - 1
        if self._values and self._values[-1] == depth:
            self._values.pop()
        element = self._builder.end(self._names[tag])
        if depth <= self.watch_depth:
            self._open.pop()
            if self.ended(element, depth) and self._open:
                del self._open[-1][-1]           # it is its parent's last child

    def _characters(self, text):
        # Indentation between elements is never written back as it was: holding it would let a
        # model padded with whitespace take memory out of all proportion to what it describes.
        if (self._values and self._values[-1] == self._depth - 1) or not text.isspace():
            self._builder.data(text)

    def feed(self, data, final=False):
        try:
            self._parser.Parse(data, final)
            if final:
                self.root = self._builder.close()
        except ModelError as error:
            if str(error).startswith(self.part_name):        # raised by a subclass, already named
                raise
            raise ModelError(f"{self.part_name}: {error}") from None
        except (expat.ExpatError, AssertionError, IndexError) as error:
            raise ModelError(f"{self.part_name} is not well-formed XML: {error}") from None
        except (LookupError, ValueError) as error:      # e.g. <?xml encoding="utfi8"?>: an unknown encoding
            raise ModelError(f"{self.part_name} cannot be read as XML: {error}") from None


def _qualified(name):
    return "{" + name if "}" in name else name


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def _attr(value):
    return escape(value, {'"': "&quot;", "\r": "&#xD;", "\n": "&#xA;", "\t": "&#x9;"})


def _text(value):
    # DacFx writes line breaks in element text as CRLF (a parser hands them back as LF).
    return escape(value.replace("\r\n", "\n"), {"\r": "&#xD;"}).replace("\n", "\r\n")


def _cdata(value):
    # Line ends are normalised to LF by any XML parser; DacFx writes them as CRLF.
    value = value.replace("\r\n", "\n").replace("\n", "\r\n")
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_element(element, out, indent="\t", level=0, cdata_tags=("Value",), root_ns=None):
    """Append the DacFx serialisation of `element` (and its children) to the list `out`."""
    pad = indent * level
    tag = local_name(element.tag)
    attrs = "".join(f' {local_name(k)}="{_attr(v)}"' for k, v in element.attrib.items())
    if root_ns is not None:
        attrs += f' xmlns="{root_ns}"'
    children = list(element)
    text = element.text if element.text and (element.text.strip() or not children) else None
    if not children and text is None:
        out.append(f"{pad}<{tag}{attrs} />")
    elif not children:
        body = _cdata(text) if tag in cdata_tags else _text(text)
        out.append(f"{pad}<{tag}{attrs}>{body}</{tag}>")
    else:
        out.append(f"{pad}<{tag}{attrs}>")
        for child in children:
            write_element(child, out, indent, level + 1, cdata_tags)
        out.append(f"{pad}</{tag}>")


def document_bytes(root, indent, bom, cdata_tags=("Value",)):
    """A whole XML document the way DacFx writes it (declaration, CRLF, no final newline)."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>']
    write_element(root, lines, indent, 0, cdata_tags, root_ns=_namespace(root.tag))
    return (BOM if bom else b"") + "\r\n".join(lines).encode("utf-8")


def _namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def q(tag, ns=DAC_NS):
    return f"{{{ns}}}{tag}"
