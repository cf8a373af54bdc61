"""The top-level elements of a model, kept as compressed XML text rather than as element trees.

An element tree costs about 450 bytes an element: a 3-column table is ~50 elements, so a model of
50,000 tables held as trees took 1.1 GB. Here each top-level element is kept as its XML text, the
texts packed into blocks compressed with zlib (the repetitive XML of a model shrinks 20- to
60-fold), and an element is parsed again each time it is asked for. Nothing asks for elements on
the hot paths (they read typed objects); writing model.xml reads the texts in order.

A text is one of two kinds:
- written: the DacFx serialisation of the element (xmlio.write_element at the depth of a model's
  top-level elements, names in the DAC namespace), as to_bytes() writes it;
- source: the element's bytes exactly as a UTF-8 model.xml held them, parsed again inside the
  namespace declarations that were in scope there (`prefix_xml`), and serialised on writing.
"""
import bisect
import zlib
from array import array

from .xmlio import DAC_NS, parse_xml, write_element

BLOCK_BYTES = 128 << 10        # uncompressed bytes per block: random access decompresses one block
ELEMENT_LEVEL = 2              # <DataSchemaModel><Model><Element>: the depth of a top-level element
WRITTEN, SOURCE = 0, 1
_WRAP_END = b"</w>"


def written_text(element):
    """The DacFx serialisation of a top-level element (its lines joined by CRLF), UTF-8."""
    lines = []
    write_element(element, lines, "\t", ELEMENT_LEVEL)
    return "\r\n".join(lines).encode("utf-8")


class ElementStore:
    """An append-only sequence of top-level elements (see the module docstring)."""

    def __init__(self, source_prefix=b'<w xmlns="' + DAC_NS.encode() + b'">'):
        self._source_prefix = source_prefix        # the wrapper start tag for source texts
        self._blocks = []                          # compressed blocks
        self._block_starts = array("q")            # offset (in the whole text) where each block starts
        self._starts = array("q")                  # offset of each element's text
        self._kinds = array("b")
        self._current = bytearray()                # the block being filled
        self._current_start = 0
        self._cache = (None, None)                 # (block number, its bytes)

    def __len__(self):
        return len(self._starts)

    # -- appending -------------------------------------------------------------------------------
    def append(self, element):
        self.append_text(written_text(element), WRITTEN)

    def append_text(self, text, kind):
        if len(self._current) >= BLOCK_BYTES:
            self._seal()
        self._starts.append(self._current_start + len(self._current))
        self._kinds.append(kind)
        self._current += text

    def _seal(self):
        self._blocks.append(zlib.compress(bytes(self._current), 1))
        self._block_starts.append(self._current_start)
        self._current_start += len(self._current)
        self._current = bytearray()

    # -- reading ---------------------------------------------------------------------------------
    def text(self, index):
        """(kind, the element's text)."""
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else self._current_start + len(self._current)
        if start >= self._current_start:
            offset = self._current_start
            data = self._current
        else:
            number = bisect.bisect_right(self._block_starts, start) - 1
            data = self._block(number)
            offset = self._block_starts[number]
        return self._kinds[index], bytes(data[start - offset:end - offset])

    def _block(self, number):
        cached_number, data = self._cache
        if cached_number != number:
            data = zlib.decompress(self._blocks[number])
            self._cache = (number, data)
        return data

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._parse(*self.text(index))

    def __iter__(self):
        for index in range(len(self)):
            yield self._parse(*self.text(index))

    def _parse(self, kind, text):
        prefix = self._source_prefix if kind == SOURCE else b'<w xmlns="' + DAC_NS.encode() + b'">'
        return parse_xml(prefix + text + _WRAP_END, "model.xml")[0]

    def written_texts(self):
        """Each element's DacFx serialisation, in order (source texts are parsed and written)."""
        for index in range(len(self)):
            kind, text = self.text(index)
            yield text if kind == WRITTEN else written_text(self._parse(kind, text))

    @property
    def nbytes(self):
        """Memory the texts take (compressed blocks and the block being filled)."""
        return sum(map(len, self._blocks)) + len(self._current) + self._starts.itemsize * len(self._starts) * 2
