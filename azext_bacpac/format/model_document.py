"""model.xml as a whole: the root's attributes, the ordered top-level elements and typed views.

The elements are kept as compressed text (element_store.py) and each is read into a typed object
once, when it is added; views (tables, indexes, ...) and the table index are built from the typed
objects once and kept current by add(). Memory and time are linear in the number of objects: a
model of 50,000 tables is read, looked up and written without holding 50,000 element trees.

`elements` and typed_objects() give freshly parsed elements: reading them is fine, changing them
changes nothing in the model (build a new Model from changed elements instead).
"""
import hashlib
import xml.etree.ElementTree as ET

from .element_store import WRITTEN, ElementStore, written_text
from .model import (TYPED, AliasType, ColumnEncryptionKey, ColumnMasterKey, CheckConstraint, DatabaseOptions,
                    DefaultConstraint, ForeignKey, Index, KeyConstraint, Module, Permission, Role,
                    RoleMembership, Schema, Table, User, DEFAULT_ATTRIBUTES)
from .errors import ModelError
from .xmlio import BOM, document_bytes, q

_UNCOUNTED = {"SqlTypeSpecifier", "SqlXmlTypeSpecifier", "SqlIndexedColumnSpecification",
              "SqlColumnEncryptionKeyValue", "SqlDynamicColumnSource"}
_COUNTED_WHEN_NESTED = {"SqlSimpleColumn", "SqlComputedColumn", "SqlSubroutineParameter",
                        "SqlScriptFunctionImplementation"}


def typed_object(element):
    """The typed object for a top-level element (None for a type without one)."""
    cls = TYPED.get(element.get("Type"))
    try:
        return cls.from_element(element) if cls else None
    except (AttributeError, TypeError, ValueError, IndexError) as error:
        raise ModelError(f"model.xml: element {element.get('Type')} "
                         f"{element.get('Name') or ''} is malformed: {error}") from None


def count_objects(element, counts):
    """Add a top-level element's objects to {kind: count} as Origin.xml's ObjectCounts lists them
    (element type without 'Sql'; nested elements only of the kinds DacFx counts)."""
    for found in element.iter(q("Element")):
        element_type = found.get("Type") or ""
        nested = found is not element
        if element_type in _UNCOUNTED or (nested and element_type not in _COUNTED_WHEN_NESTED):
            continue
        kind = element_type[3:] if element_type.startswith("Sql") else element_type
        counts[kind] = counts.get(kind, 0) + 1


class Model:
    """model.xml: root attributes and the ordered top-level elements, with typed views over them."""

    def __init__(self, attributes=None, elements=None, prologue=(), epilogue=(), store=None):
        self.attributes = dict(DEFAULT_ATTRIBUTES if attributes is None else attributes)
        # Root children around <Model> (a dacpac's <Header>, anything newer): kept as they are.
        self.prologue, self.epilogue = list(prologue), list(epilogue)
        self._store = store if store is not None else ElementStore()
        self._typed = []            # the typed object (or None) of each element, in model order
        self._counts = {}
        self._views = {}            # (classes, kind) -> [typed objects]
        self._table_index = {}
        self._aliases = None
        for element in elements or ():
            self.add(element)

    # -- reading and writing -------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, data, part_name="model.xml"):
        from .model_stream import ModelParser
        parser = ModelParser(part_name)
        parser.feed(data, final=True)
        return parser.model()

    def chunks(self, bom=False):
        """model.xml as DacFx writes it (to_bytes()), in pieces: one per top-level element."""
        root = ET.Element(q("DataSchemaModel"), self.attributes)
        root.extend(self.prologue)
        container = ET.SubElement(root, q("Model"))
        root.extend(self.epilogue)
        if not len(self._store):
            yield document_bytes(root, "\t", bom)
            return
        # A NUL (which XML text never holds) marks the container's place: <Model>\0</Model>.
        container.text = "\x00"
        head, _, tail = document_bytes(root, "\t", bom).partition(b"\x00")
        yield head
        for text in self._store.written_texts():
            yield b"\r\n" + text
        yield b"\r\n\t" + tail

    def to_bytes(self, bom=False):
        return b"".join(self.chunks(bom))

    def digest(self, bom=False):
        """(sha256 hex digest, size) of to_bytes(bom), computed piece by piece."""
        sha, size = hashlib.sha256(), 0
        for chunk in self.chunks(bom):
            sha.update(chunk)
            size += len(chunk)
        return sha.hexdigest().upper(), size

    # -- editing -------------------------------------------------------------------------------
    def add(self, obj):
        """Append a typed object (or a raw element) to the model."""
        element = obj if isinstance(obj, ET.Element) else obj.to_element()
        # The typed object is read back from the element: the model holds what its XML says.
        self._store.append_text(written_text(element), WRITTEN)
        self._added(element, typed_object(element))
        return obj

    def _added(self, element, typed):
        """Index an element just stored (its typed object, its counts, the views)."""
        self._typed.append(typed)
        count_objects(element, self._counts)
        if typed is None:
            return
        for (classes, kind), view in self._views.items():
            if isinstance(typed, classes) and kind in (None, getattr(typed, "kind", None)):
                view.append(typed)
        if isinstance(typed, Table):
            self._table_index.setdefault((typed.schema, typed.name), typed)

    # -- elements --------------------------------------------------------------------------------
    @property
    def elements(self):
        """The top-level elements, parsed afresh (a sequence: len, index, iterate)."""
        return self._store

    def typed_objects(self):
        """[(element, typed object or None)] for every top-level element (elements parsed afresh)."""
        return _Pairs(self._store, self._typed)

    @property
    def unknown_elements(self):
        return [self._store[i] for i, obj in enumerate(self._typed) if obj is None]

    # -- typed views ---------------------------------------------------------------------------
    def _of(self, *classes, kind=None):
        """The typed objects of these classes (of this `kind`, for key constraints), in model order.
        The list is built once and shared: callers read it and must not change it."""
        view = self._views.get((classes, kind))
        if view is None:
            view = self._views[(classes, kind)] = [
                obj for obj in self._typed
                if isinstance(obj, classes) and kind in (None, getattr(obj, "kind", None))]
        return view

    @property
    def tables(self):
        return self._of(Table)

    def table(self, schema, name):
        return self._table_index.get((schema, name))

    @property
    def database_options(self):
        found = self._of(DatabaseOptions)
        return found[0] if found else None

    @property
    def primary_keys(self):
        return self._of(KeyConstraint, kind="PRIMARY KEY")

    @property
    def unique_constraints(self):
        return self._of(KeyConstraint, kind="UNIQUE")

    @property
    def foreign_keys(self):
        return self._of(ForeignKey)

    @property
    def defaults(self):
        return self._of(DefaultConstraint)

    @property
    def checks(self):
        return self._of(CheckConstraint)

    @property
    def indexes(self):
        return self._of(Index)

    @property
    def schemas(self):
        return self._of(Schema)

    @property
    def modules(self):
        return self._of(Module)

    @property
    def users(self):
        return self._of(User)

    @property
    def roles(self):
        return self._of(Role)

    @property
    def role_memberships(self):
        return self._of(RoleMembership)

    @property
    def permissions(self):
        return self._of(Permission)

    @property
    def column_master_keys(self):
        return self._of(ColumnMasterKey)

    @property
    def column_encryption_keys(self):
        return self._of(ColumnEncryptionKey)

    @property
    def alias_types(self):
        aliases = self._of(AliasType)
        if self._aliases is None or self._aliases[0] != len(aliases):     # built again after an add()
            self._aliases = (len(aliases), {alias.name: alias for alias in aliases})
        return self._aliases[1]

    def resolved_type(self, column):
        """A column's type with user-defined alias types resolved to their base type."""
        if column.type_builtin or column.type_ref is None:
            return column.sql_type
        alias = self.alias_types.get(column.type_ref)
        return alias.base if alias else column.sql_type

    def object_counts(self):
        """{kind: count} as Origin.xml's ObjectCounts lists them (element type without 'Sql')."""
        return dict(sorted(self._counts.items()))


class _Pairs:
    """(element, typed object) per top-level element; each element parsed as it is reached."""

    def __init__(self, store, typed):
        self._store, self._typed = store, typed

    def __len__(self):
        return len(self._typed)

    def __iter__(self):
        return zip(self._store, self._typed)

    def __getitem__(self, index):
        return self._store[index], self._typed[index]


__all__ = ["Model", "typed_object", "count_objects", "BOM"]
