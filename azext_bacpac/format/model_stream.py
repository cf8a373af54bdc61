"""Reading model.xml in pieces into a Model, one top-level element at a time.

Each child of <Model> is built as an element tree, read into its typed object and counted, then
kept as text (element_store.py) and dropped from the tree: memory holds one element tree at a time,
never the whole document's. The text kept is the element's own bytes in the document when it is
UTF-8 (nothing to serialise), else its DacFx serialisation.
"""
import re

from .element_store import SOURCE, WRITTEN, ElementStore, written_text
from .errors import ModelError
from .model_document import Model, typed_object
from .xmlio import BOM, TreeParser, _attr, local_name

# A start tag to its '>', attribute values (which may hold '>') skipped whole.
_START_TAG = re.compile(rb"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}
_TAIL = 64 << 10              # bytes kept between elements: room for a tag the parser has not finished


class ModelParser(TreeParser):
    """feed() model.xml's bytes in order (the last piece with final=True), then model()."""

    watch_depth = 2                              # the root, <Model>, and the top-level elements

    def __init__(self, part_name="model.xml"):
        super().__init__(part_name)
        self._parser.StartNamespaceDeclHandler = self._declare
        self._model = None
        self._root_attributes = None
        self._prologue, self._epilogue = [], []
        self._scope, self._declared = {}, {}     # namespaces in scope at <Model>; declared on the next tag
        self._sliced = None                      # keep elements' own bytes (a UTF-8 document)
        self._buffer = bytearray()               # the document from _buffer_start on
        self._buffer_start = 0
        self._element_start = None               # where the open top-level element began
        self._last = 0                           # where the last tag began: nothing before it is needed
        self._container = None                   # the <Model> element

    # -- input -------------------------------------------------------------------------------------
    def feed(self, data, final=False):
        if self._sliced is None and data:
            self._sliced = not data.startswith((b"\xff\xfe", b"\xfe\xff"))    # UTF-16 has its BOM
        whole = final and not self._buffer and not self._buffer_start
        if self._sliced:
            if whole:
                self._buffer = data              # the whole document at once: slice it, no copy
            else:
                self._buffer += data
        super().feed(data, final)
        if self._sliced and not whole:
            # Keep only what a top-level element still open (or yet to start) may need: from where it
            # began, or the last bytes (a tag the parser has not finished). An element that began
            # before what was kept (a start tag longer than that) is kept as written text instead.
            end = self._buffer_start + len(self._buffer)
            keep = self._element_start if self._element_start is not None else max(self._last, end - _TAIL)
            if keep > self._buffer_start:
                del self._buffer[:keep - self._buffer_start]
                self._buffer_start = keep

    def model(self):
        if self.root is None:
            raise ModelError(f"{self.part_name} ended before the document did")
        if self._model is None:
            raise ModelError(f"{self.part_name}: there is no <Model> element")
        self._model.prologue, self._model.epilogue = self._prologue, self._epilogue
        return self._model

    # -- events ------------------------------------------------------------------------------------
    def _declare(self, prefix, uri):
        self._declared[prefix] = uri

    def started(self, element, depth):
        self._last = self.position
        declared, self._declared = self._declared, {}
        if depth == 0:
            if local_name(element.tag) != "DataSchemaModel":
                raise ModelError(f"{self.part_name}: the root element is <{local_name(element.tag)}>, "
                                 f"not <DataSchemaModel>")
            self._root_attributes = {local_name(k): v for k, v in element.attrib.items()}
            self._scope.update(declared)
            if self.encoding is not None and self.encoding.lower() not in _UTF8:
                self._sliced = False
        elif depth == 1 and self._model is None and local_name(element.tag) == "Model":
            self._scope.update(declared)
            self._container = element
            self._model = Model(self._root_attributes, store=ElementStore(self._wrapper()))
        elif depth == 2 and self._in_container():
            self._element_start = self.position

    def ended(self, element, depth):
        self._last = self.position
        if depth == 1:
            if element is not self._container:
                (self._epilogue if self._model is not None else self._prologue).append(element)
            return True
        if depth != 2 or not self._in_container():
            return False
        typed = typed_object(element)
        text = self._source_text() if self._sliced else None
        if text is None:
            self._model._store.append_text(written_text(element), WRITTEN)
        else:
            self._model._store.append_text(text, SOURCE)
        self._model._added(element, typed)
        self._element_start = None
        return True

    # -- helpers -------------------------------------------------------------------------------------
    def _in_container(self):
        # _open holds the root, <Model> and its open descendants
        return self._container is not None and len(self._open) >= 2 and self._open[1] is self._container

    def _wrapper(self):
        names = "".join(f' xmlns="{_attr(uri)}"' if prefix is None else f' xmlns:{prefix}="{_attr(uri)}"'
                        for prefix, uri in self._scope.items())
        return f"<w{names}>".encode("utf-8")

    def _source_text(self):
        """The open top-level element's bytes, from its '<' to the end of its end tag."""
        start = self._element_start - self._buffer_start
        end_tag = self.position - self._buffer_start
        if start < 0:
            return None
        tag = _START_TAG.match(self._buffer, start)
        if tag is None:
            return None
        if self._buffer[tag.end() - 2:tag.end()] == b"/>":
            end = tag.end()                               # <Element ... />
        elif self._buffer[end_tag:end_tag + 2] == b"</":
            end = self._buffer.find(b">", end_tag) + 1
            if end <= 0:
                return None
        else:
            return None
        return bytes(self._buffer[start:end])


def read_model(data, part_name="model.xml"):
    """A Model from model.xml's bytes (BOM or not)."""
    parser = ModelParser(part_name)
    parser.feed(data, final=True)
    return parser.model()


__all__ = ["ModelParser", "read_model", "BOM"]
