"""The schema model of model.xml: typed objects over the package's own XML.

A Model is the ordered list of model.xml's top-level elements plus the root's attributes. Typed
objects (Table, PrimaryKey, View, ColumnMasterKey, ...) are read from those elements and can build
new ones; elements of any other type are kept as they are. Writing a model read from a package
therefore reproduces every element, understood or not, and a model built from typed objects
(an engine's export) gives the XML DacFx itself writes for them. The Model class itself lives in
model_document.py (and is imported here): it keeps the elements as text, not trees.
"""
import sys
import types
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .errors import ModelError
from .sqltypes import SqlType
from .xmlio import DAC_NS, local_name, q

DEFAULT_ATTRIBUTES = {
    "FileFormatVersion": "1.2",
    "SchemaVersion": "2.9",
    "DspName": "Microsoft.Data.Tools.Schema.Sql.Sql160DatabaseSchemaProvider",
    "CollationLcid": "1033",
    "CollationCaseSensitive": "False",
}
BUILTIN_SCHEMAS = {"dbo", "sys", "guest", "INFORMATION_SCHEMA"}
ENCRYPTION_TYPES = {"1": "Deterministic", "2": "Randomized"}
REFERENTIAL_ACTIONS = {0: "NO ACTION", 1: "CASCADE", 2: "SET NULL", 3: "SET DEFAULT"}


# ---- names ------------------------------------------------------------------------------------

def quote(*parts):
    """`[a].[b]` from name parts, doubling any ']' inside a part (T-SQL quoting)."""
    return ".".join("[" + part.replace("]", "]]") + "]" for part in parts)


def split_name(name):
    """The parts of a bracket-quoted multipart name: '[dbo].[T]' -> ['dbo', 'T']."""
    parts, i = [], 0
    while i < len(name):
        if name[i] == ".":
            i += 1
            continue
        if name[i] != "[":
            end = name.find(".", i)
            end = len(name) if end < 0 else end
            parts.append(name[i:end])
            i = end
            continue
        i += 1
        part = []
        while i < len(name):
            if name[i] == "]":
                if name[i + 1:i + 2] == "]":
                    part.append("]")
                    i += 2
                    continue
                i += 1
                break
            part.append(name[i])
            i += 1
        parts.append("".join(part))
    return parts


# ---- reading helpers --------------------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A <References> entry: the referenced name and whether it is a built-in (system) object."""
    name: str
    builtin: bool = False
    disambiguator: str = None

    @property
    def parts(self):
        return split_name(self.name)


def properties(element):
    """Scalar and script properties of an element: {name: value} (script text for CDATA values)."""
    result = {}
    for prop in element.findall(q("Property")):
        value = prop.get("Value")
        if value is None:
            child = prop.find(q("Value"))
            value = child.text if child is not None and child.text is not None else ""
        result[_shared(prop.get("Name"))] = _shared(value)
    return result


def _shared(text):
    """One object for the short texts a model repeats ("True", "dbo", "Id"...): typed objects of
    50,000 tables keep them."""
    return sys.intern(text) if type(text) is str and len(text) <= 32 else text


def relationships(element):
    """{relationship name: [Element or Ref, ...]} of an element."""
    result = {}
    for rel in element.findall(q("Relationship")):
        entries = []
        for entry in rel.findall(q("Entry")):
            for child in entry:
                if local_name(child.tag) == "References":
                    entries.append(Ref(child.get("Name"), child.get("ExternalSource") == "BuiltIns",
                                       child.get("Disambiguator")))
                else:
                    entries.append(child)
        result[rel.get("Name")] = entries
    return result


def _ref_names(rels, name):
    return [entry.name for entry in rels.get(name, ()) if isinstance(entry, Ref)]


def _first_ref(rels, name):
    names = _ref_names(rels, name)
    return names[0] if names else None


def _annotation_name(element, annotation_type="SqlInlineConstraintAnnotation"):
    for annotation in element.findall(q("Annotation")):
        if annotation.get("Type") == annotation_type:
            return annotation.get("Name")
    return None


def _flag(props, name, default=False):
    value = props.get(name)
    return default if value is None else value == "True"


def _int(props, name, default=None):
    value = props.get(name)
    return default if value is None else int(value)


# ---- building helpers -------------------------------------------------------------------------

def new_element(element_type, name=None, disambiguator=None):
    attrs = {"Type": element_type}
    if name is not None:
        attrs["Name"] = name
    if disambiguator is not None:
        attrs["Disambiguator"] = str(disambiguator)
    return ET.Element(q("Element"), attrs)


def add_property(element, name, value):
    if value is not None:
        ET.SubElement(element, q("Property"), {"Name": name, "Value": _str(value)})


def add_script(element, name, text, **value_attrs):
    if text is not None:
        prop = ET.SubElement(element, q("Property"), {"Name": name})
        ET.SubElement(prop, q("Value"), value_attrs).text = text


def add_relationship(element, name, entries):
    """entries: Elements, Refs, or names (plain references)."""
    entries = list(entries)
    if not entries:
        return
    rel = ET.SubElement(element, q("Relationship"), {"Name": name})
    for item in entries:
        entry = ET.SubElement(rel, q("Entry"))
        if isinstance(item, ET.Element):
            entry.append(item)
        else:
            ref = item if isinstance(item, Ref) else Ref(item)
            attrs = {"ExternalSource": "BuiltIns"} if ref.builtin else {}
            if ref.name is not None:
                attrs["Name"] = ref.name
            if ref.disambiguator is not None:
                attrs["Disambiguator"] = ref.disambiguator
            ET.SubElement(entry, q("References"), attrs)


def _str(value):
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _schema_ref(schema):
    return Ref(quote(schema), builtin=schema in BUILTIN_SCHEMAS)


def _inline_annotation(element, inline_name, disambiguator):
    if inline_name is not None:
        ET.SubElement(element, q("Annotation"), {"Type": "SqlInlineConstraintAnnotation", "Name": inline_name,
                                                 "Disambiguator": str(disambiguator)})


# ---- types ------------------------------------------------------------------------------------

def read_type_specifier(spec):
    """SqlType from a SqlTypeSpecifier / SqlXmlTypeSpecifier element; also the type reference."""
    props = properties(spec)
    rels = relationships(spec)
    type_ref = _first_ref(rels, "Type")
    if local_name(spec.tag) == "Element" and spec.get("Type") == "SqlXmlTypeSpecifier" and type_ref is None:
        type_ref = "[xml]"
    parts = split_name(type_ref) if type_ref else ["sql_variant"]
    name = parts[-1].lower() if (type_ref and _is_builtin(rels, "Type")) else parts[-1]
    length, precision, scale = _int(props, "Length"), _int(props, "Precision"), _int(props, "Scale")
    for label, value, top in (("Length", length, 2**31 - 1), ("Precision", precision, 53), ("Scale", scale, 38)):
        if value is not None and not 0 <= value <= top:
            raise ModelError(f"model.xml: type {type_ref or name} has {label} {value}, outside 0..{top}")
    sql_type = SqlType(name, length, precision, scale, _flag(props, "IsMax"))
    # One object per distinct type (they are frozen): 50,000 tables need not hold 150,000 copies.
    sql_type = _TYPES.setdefault(sql_type, sql_type) if len(_TYPES) < 4096 else sql_type
    return sql_type, type_ref, _is_builtin(rels, "Type")


_TYPES = {}


def _is_builtin(rels, name):
    entries = rels.get(name, ())
    return bool(entries) and isinstance(entries[0], Ref) and entries[0].builtin


def type_specifier_element(sql_type, type_ref=None):
    is_xml = sql_type.name == "xml"
    spec = new_element("SqlXmlTypeSpecifier" if is_xml else "SqlTypeSpecifier")
    add_property(spec, "Length", sql_type.length)
    add_property(spec, "Precision", sql_type.precision)
    if sql_type.scale:
        add_property(spec, "Scale", sql_type.scale)
    if sql_type.is_max:
        add_property(spec, "IsMax", True)
    if type_ref is None:
        clr = sql_type.name in ("geography", "geometry", "hierarchyid")
        type_ref = Ref(quote("sys", sql_type.name) if clr else quote(sql_type.name), builtin=True)
    add_relationship(spec, "Type", [type_ref])
    return spec


# ---- typed objects ----------------------------------------------------------------------------

@dataclass
class Column:
    name: str                     # leaf name
    sql_type: SqlType = None      # None for computed columns
    nullable: bool = True
    identity: bool = False
    identity_seed: str = None
    identity_increment: str = None
    collation: str = None
    sparse: bool = False
    rowguidcol: bool = False
    computed_expression: str = None
    persisted: bool = False
    encryption_type: str = None   # Deterministic / Randomized
    encryption_algorithm: str = None
    encryption_key: str = None    # [CEK] name
    type_ref: str = None          # e.g. [dbo].[AccountNumber] for an alias type
    type_builtin: bool = True

    @property
    def is_computed(self):
        return self.computed_expression is not None or self.sql_type is None

    @property
    def is_encrypted(self):
        return self.encryption_key is not None

    @classmethod
    def from_element(cls, element):
        props = properties(element)
        rels = relationships(element)
        name = _shared(split_name(element.get("Name", ""))[-1]) if element.get("Name") else ""
        if element.get("Type") == "SqlComputedColumn":
            return cls(name, None, computed_expression=props.get("ExpressionScript", ""),
                       persisted=_flag(props, "IsPersisted"), nullable=_flag(props, "IsNullable", True))
        spec = rels.get("TypeSpecifier", [None])[0]
        sql_type, type_ref, builtin = read_type_specifier(spec) if spec is not None else (None, None, True)
        encryption = props.get("EncryptionType")
        return cls(name, sql_type, nullable=_flag(props, "IsNullable", True),
                   identity=_flag(props, "IsIdentity"), identity_seed=props.get("IdentitySeed"),
                   identity_increment=props.get("IdentityIncrement"), collation=props.get("Collation"),
                   sparse=_flag(props, "IsSparse"), rowguidcol=_flag(props, "IsRowGuidCol"),
                   encryption_type=ENCRYPTION_TYPES.get(encryption, encryption),
                   encryption_algorithm=props.get("EncryptionAlgorithmName"),
                   encryption_key=_first_ref(rels, "ColumnEncryptionKey"),
                   # a built-in type's reference follows from its name; only alias types keep theirs
                   type_ref=None if builtin else type_ref, type_builtin=builtin)

    def to_element(self, table_name):
        full = table_name + "." + quote(self.name)
        if self.is_computed:
            element = new_element("SqlComputedColumn", full)
            add_property(element, "IsPersisted", True if self.persisted else None)
            add_script(element, "ExpressionScript", self.computed_expression)
            return element
        element = new_element("SqlSimpleColumn", full)
        add_property(element, "Collation", self.collation)
        add_property(element, "IsNullable", None if self.nullable else False)
        add_property(element, "IsIdentity", True if self.identity else None)
        add_property(element, "IdentitySeed", self.identity_seed)
        add_property(element, "IdentityIncrement", self.identity_increment)
        add_property(element, "IsSparse", True if self.sparse else None)
        add_property(element, "IsRowGuidCol", True if self.rowguidcol else None)
        if self.encryption_type is not None:
            code = {v: k for k, v in ENCRYPTION_TYPES.items()}.get(self.encryption_type, self.encryption_type)
            add_property(element, "EncryptionType", code)
            add_property(element, "EncryptionAlgorithmName", self.encryption_algorithm)
            add_relationship(element, "ColumnEncryptionKey", [self.encryption_key])
        type_ref = None if self.type_ref is None else Ref(self.type_ref, self.type_builtin)
        add_relationship(element, "TypeSpecifier", [type_specifier_element(self.sql_type, type_ref)])
        return element


@dataclass
class Table:
    schema: str
    name: str
    columns: list = field(default_factory=list)
    properties: dict = field(default_factory=lambda: {"IsAnsiNullsOn": "True"})

    TYPE = "SqlTable"

    @property
    def full_name(self):
        return quote(self.schema, self.name)

    @property
    def stored_columns(self):
        """Columns that have data in BCP rows, in row order (computed columns have none)."""
        return [column for column in self.columns if not column.is_computed]

    def column(self, name):
        return next((c for c in self.columns if c.name == name), None)

    @classmethod
    def from_element(cls, element):
        schema, name = _two_part(element.get("Name"))
        props = properties(element)
        columns = [Column.from_element(e) for e in relationships(element).get("Columns", ())
                   if isinstance(e, ET.Element)]
        return cls(schema, name, columns, _shared_properties(props))

    def to_element(self):
        element = new_element(self.TYPE, self.full_name)
        for key, value in self.properties.items():
            add_property(element, key, value)
        add_relationship(element, "Columns", [c.to_element(self.full_name) for c in self.columns])
        add_relationship(element, "Schema", [_schema_ref(self.schema)])
        return element


def _shared_properties(props):
    """A read-only mapping, one per distinct set of table properties: 50,000 tables mostly share one."""
    key = tuple(props.items())
    found = _PROPERTIES.get(key)
    if found is None:
        found = types.MappingProxyType(dict(props))
        if len(_PROPERTIES) < 1024:
            _PROPERTIES[key] = found
    return found


_PROPERTIES = {}


def _two_part(name):
    parts = split_name(name or "")
    if len(parts) == 1:
        return "dbo", parts[0]
    return _shared(parts[-2]), parts[-1]


def _column_specs(columns):
    specs = []
    for column, ascending in columns:
        spec = new_element("SqlIndexedColumnSpecification")
        add_property(spec, "IsAscending", None if ascending else False)
        add_relationship(spec, "Column", [column])
        specs.append(spec)
    return specs


def _read_column_specs(rels, name="ColumnSpecifications"):
    result = []
    for spec in rels.get(name, ()):
        if isinstance(spec, ET.Element):
            column = _first_ref(relationships(spec), "Column")
            result.append((column, _flag(properties(spec), "IsAscending", True)))
    return result


def _leaf(name):
    return split_name(name)[-1] if name else None


@dataclass
class KeyConstraint:
    """PRIMARY KEY or UNIQUE. `name` is None for an inline (system-named) constraint."""
    kind: str                      # "PRIMARY KEY" or "UNIQUE"
    table: str                     # [schema].[table]
    columns: list                  # [(column full name, ascending)]
    name: str = None
    inline_name: str = None
    clustered: bool = None
    disambiguator: str = None

    @property
    def column_names(self):
        return [_leaf(c) for c, _ in self.columns]

    @property
    def display_name(self):
        return self.name or self.inline_name

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        kind = "PRIMARY KEY" if element.get("Type") == "SqlPrimaryKeyConstraint" else "UNIQUE"
        clustered = properties(element).get("IsClustered")
        return cls(kind, _first_ref(rels, "DefiningTable"), _read_column_specs(rels), element.get("Name"),
                   _annotation_name(element), None if clustered is None else clustered == "True",
                   element.get("Disambiguator"))

    def to_element(self):
        element_type = "SqlPrimaryKeyConstraint" if self.kind == "PRIMARY KEY" else "SqlUniqueConstraint"
        element = new_element(element_type, self.name, self.disambiguator if self.name is None else None)
        add_property(element, "IsClustered", self.clustered)
        add_relationship(element, "ColumnSpecifications", _column_specs(self.columns))
        add_relationship(element, "DefiningTable", [self.table])
        _inline_annotation(element, self.inline_name, self.disambiguator)
        return element


@dataclass
class ForeignKey:
    table: str
    columns: list                  # column full names
    foreign_table: str
    foreign_columns: list
    name: str = None
    inline_name: str = None
    on_delete: int = 0
    on_update: int = 0
    disambiguator: str = None

    TYPE = "SqlForeignKeyConstraint"

    @property
    def display_name(self):
        return self.name or self.inline_name

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        props = properties(element)
        return cls(_first_ref(rels, "DefiningTable"), _ref_names(rels, "Columns"), _first_ref(rels, "ForeignTable"),
                   _ref_names(rels, "ForeignColumns"), element.get("Name"), _annotation_name(element),
                   _int(props, "OnDeleteAction", 0), _int(props, "OnUpdateAction", 0), element.get("Disambiguator"))

    def to_element(self):
        element = new_element(self.TYPE, self.name, self.disambiguator if self.name is None else None)
        add_property(element, "OnDeleteAction", self.on_delete or None)
        add_property(element, "OnUpdateAction", self.on_update or None)
        add_relationship(element, "Columns", self.columns)
        add_relationship(element, "DefiningTable", [self.table])
        add_relationship(element, "ForeignColumns", self.foreign_columns)
        add_relationship(element, "ForeignTable", [self.foreign_table])
        _inline_annotation(element, self.inline_name, self.disambiguator)
        return element


@dataclass
class DefaultConstraint:
    table: str
    column: str                    # column full name
    expression: str
    name: str = None
    inline_name: str = None
    disambiguator: str = None

    TYPE = "SqlDefaultConstraint"

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        return cls(_first_ref(rels, "DefiningTable"), _first_ref(rels, "ForColumn"),
                   properties(element).get("DefaultExpressionScript", ""), element.get("Name"),
                   _annotation_name(element), element.get("Disambiguator"))

    def to_element(self):
        element = new_element(self.TYPE, self.name, self.disambiguator if self.name is None else None)
        add_script(element, "DefaultExpressionScript", self.expression)
        add_relationship(element, "DefiningTable", [self.table])
        add_relationship(element, "ForColumn", [self.column])
        _inline_annotation(element, self.inline_name, self.disambiguator)
        return element


@dataclass
class CheckConstraint:
    table: str
    expression: str
    name: str = None
    inline_name: str = None
    disambiguator: str = None

    TYPE = "SqlCheckConstraint"

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        return cls(_first_ref(rels, "DefiningTable"), properties(element).get("CheckExpressionScript", ""),
                   element.get("Name"), _annotation_name(element), element.get("Disambiguator"))

    def to_element(self):
        element = new_element(self.TYPE, self.name, self.disambiguator if self.name is None else None)
        add_script(element, "CheckExpressionScript", self.expression)
        add_relationship(element, "DefiningTable", [self.table])
        _inline_annotation(element, self.inline_name, self.disambiguator)
        return element


@dataclass
class Index:
    name: str                      # [schema].[table].[index]
    table: str
    columns: list                  # [(column full name, ascending)]
    unique: bool = False
    clustered: bool = False
    included: list = field(default_factory=list)
    filter: str = None

    TYPE = "SqlIndex"

    @property
    def leaf_name(self):
        return _leaf(self.name)

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        props = properties(element)
        return cls(element.get("Name"), _first_ref(rels, "IndexedObject"), _read_column_specs(rels),
                   _flag(props, "IsUnique"), _flag(props, "IsClustered"), _ref_names(rels, "IncludedColumns"),
                   props.get("FilterPredicate"))

    def to_element(self):
        element = new_element(self.TYPE, self.name)
        add_property(element, "IsUnique", True if self.unique else None)
        add_property(element, "IsClustered", True if self.clustered else None)
        add_script(element, "FilterPredicate", self.filter)
        add_relationship(element, "ColumnSpecifications", _column_specs(self.columns))
        add_relationship(element, "IncludedColumns", self.included)
        add_relationship(element, "IndexedObject", [self.table])
        return element


@dataclass
class _Owned:
    """A named database object with an owner (Authorizer): schemas and roles share this shape."""
    name: str
    authorizer: str = "[dbo]"

    TYPE = None

    @classmethod
    def from_element(cls, element):
        return cls(_leaf(element.get("Name")), _first_ref(relationships(element), "Authorizer") or "[dbo]")

    def to_element(self):
        element = new_element(self.TYPE, quote(self.name))
        add_relationship(element, "Authorizer", [Ref(self.authorizer, self.authorizer == "[dbo]")])
        return element


@dataclass
class Schema(_Owned):
    TYPE = "SqlSchema"


MODULE_TYPES = {
    "SqlView": ("VIEW", "QueryScript"),
    "SqlProcedure": ("PROCEDURE", "BodyScript"),
    "SqlScalarFunction": ("FUNCTION", None),
    "SqlInlineTableValuedFunction": ("FUNCTION", None),
    "SqlMultiStatementTableValuedFunction": ("FUNCTION", None),
    "SqlDmlTrigger": ("TRIGGER", "BodyScript"),
}


def _script_value(element, names):
    """The <Value> of a script property (its attributes hold the module's SET options)."""
    for prop in element.findall(q("Property")):
        if prop.get("Name") in names:
            return prop.find(q("Value"))
    return None


@dataclass
class Module:
    """A view, procedure, function or trigger: its name, kind and T-SQL text."""
    element_type: str
    name: str
    body: str
    header: str = None
    footer: str = None
    parent: str = None             # the table or view a trigger is on
    quoted_identifier: bool = True  # the SET options it was created under (sys.sql_modules.uses_*)
    ansi_nulls: bool = True

    @property
    def kind(self):
        return MODULE_TYPES.get(self.element_type, ("MODULE",))[0]

    @property
    def definition(self):
        """The module's full CREATE text, as the server holds it, when the package has the header."""
        if self.header is None:
            return None
        return self.header + self.body + (self.footer or "")

    @classmethod
    def from_element(cls, element):
        props = properties(element)
        rels = relationships(element)
        body = props.get("QueryScript") or props.get("BodyScript")
        script = _script_value(element, ("QueryScript", "BodyScript"))
        if body is None:
            for implementation in rels.get("FunctionBody", ()):
                if isinstance(implementation, ET.Element):
                    body = properties(implementation).get("BodyScript")
                    script = _script_value(implementation, ("BodyScript",))
        header = footer = None
        for annotation in element.findall(q("AttachedAnnotation")) + element.findall(q("Annotation")):
            if annotation.get("Type") == "SysCommentsObjectAnnotation":
                annotation_props = properties(annotation)
                header, footer = annotation_props.get("HeaderContents"), annotation_props.get("FooterContents")
        options = script.attrib if script is not None else {}
        return cls(element.get("Type"), element.get("Name"), body or "", header, footer,
                   _first_ref(rels, "Parent"), options.get("QuotedIdentifiers", "True") != "False",
                   options.get("AnsiNulls", "True") != "False")

    def to_element(self):
        element = new_element(self.element_type, self.name)
        script = MODULE_TYPES.get(self.element_type, (None, "BodyScript"))[1]
        options = {"QuotedIdentifiers": "True" if self.quoted_identifier else "False",
                   "AnsiNulls": "True" if self.ansi_nulls else "False"}
        if script:
            add_script(element, script, self.body, **options)
        else:
            implementation = new_element("SqlScriptFunctionImplementation")
            add_script(implementation, "BodyScript", self.body, **options)
            add_relationship(element, "FunctionBody", [implementation])
        if self.parent:
            add_relationship(element, "Parent", [self.parent])
        schema = split_name(self.name)[0]
        add_relationship(element, "Schema", [_schema_ref(schema)])
        if self.header is not None:
            annotation = ET.SubElement(element, q("AttachedAnnotation"), {"Disambiguator": "1"})
            annotation.set("Type", "SysCommentsObjectAnnotation")
            add_property(annotation, "HeaderContents", self.header)
            add_property(annotation, "FooterContents", self.footer)
        return element


@dataclass
class User:
    name: str
    login: str = None
    default_schema: str = None
    authentication_type: str = None

    TYPE = "SqlUser"

    @classmethod
    def from_element(cls, element):
        props, rels = properties(element), relationships(element)
        return cls(_leaf(element.get("Name")), _first_ref(rels, "Login"), _first_ref(rels, "DefaultSchema"),
                   props.get("AuthenticationType"))

    def to_element(self):
        element = new_element(self.TYPE, quote(self.name))
        add_property(element, "AuthenticationType", self.authentication_type)
        add_relationship(element, "DefaultSchema", [self.default_schema] if self.default_schema else [])
        add_relationship(element, "Login", [self.login] if self.login else [])
        return element


@dataclass
class Role(_Owned):
    TYPE = "SqlRole"


@dataclass
class RoleMembership:
    role: str
    member: str
    role_builtin: bool = False

    TYPE = "SqlRoleMembership"

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        return cls(_first_ref(rels, "Role"), _first_ref(rels, "Member"), _is_builtin(rels, "Role"))

    def to_element(self):
        element = new_element(self.TYPE)
        add_relationship(element, "Member", [self.member])
        add_relationship(element, "Role", [Ref(self.role, self.role_builtin)])
        return element


@dataclass
class Permission:
    """A GRANT/DENY statement: its element name encodes action, permission and object."""
    name: str
    permission: str                # numeric code as model.xml holds it
    grantee: str
    secured_object: str = None
    grantee_builtin: bool = False

    TYPE = "SqlPermissionStatement"

    @classmethod
    def from_element(cls, element):
        rels = relationships(element)
        secured = rels.get("SecuredObject", [None])[0]
        secured_name = secured.name if isinstance(secured, Ref) else None
        return cls(element.get("Name"), properties(element).get("Permission"), _first_ref(rels, "Grantee"),
                   secured_name, _is_builtin(rels, "Grantee"))

    def to_element(self):
        element = new_element(self.TYPE, self.name)
        add_property(element, "Permission", self.permission)
        add_relationship(element, "Grantee", [Ref(self.grantee, self.grantee_builtin)])
        add_relationship(element, "SecuredObject",
                         [Ref(self.secured_object) if self.secured_object else Ref(None, disambiguator="1")])
        return element


@dataclass
class ColumnMasterKey:
    name: str
    key_store_provider: str
    key_path: str
    allow_enclave_computations: bool = False
    signature: str = None

    TYPE = "SqlColumnMasterKey"

    @classmethod
    def from_element(cls, element):
        props = properties(element)
        return cls(_leaf(element.get("Name")), props.get("KeyStoreProviderName"), props.get("KeyPath"),
                   _flag(props, "AllowEnclaveComputations"), props.get("Signature"))

    def to_element(self):
        element = new_element(self.TYPE, quote(self.name))
        add_property(element, "AllowEnclaveComputations", True if self.allow_enclave_computations else None)
        add_property(element, "KeyStoreProviderName", self.key_store_provider)
        add_property(element, "KeyPath", self.key_path)
        add_property(element, "Signature", self.signature)
        return element


@dataclass
class ColumnEncryptionKeyValue:
    column_master_key: str         # [CMK]
    encrypted_value: str           # 0x-hex
    algorithm: str = "RSA_OAEP"


@dataclass
class ColumnEncryptionKey:
    name: str
    values: list = field(default_factory=list)

    TYPE = "SqlColumnEncryptionKey"

    @classmethod
    def from_element(cls, element):
        values = []
        for value in relationships(element).get("ColumnEncryptionKeyValues", ()):
            if isinstance(value, ET.Element):
                props = properties(value)
                values.append(ColumnEncryptionKeyValue(_first_ref(relationships(value), "ColumnMasterKey"),
                                                       props.get("EncryptedValue"), props.get("EncryptionAlgorithm")))
        return cls(_leaf(element.get("Name")), values)

    def to_element(self):
        element = new_element(self.TYPE, quote(self.name))
        entries = []
        for value in self.values:
            entry = new_element("SqlColumnEncryptionKeyValue")
            add_property(entry, "EncryptedValue", value.encrypted_value)
            add_property(entry, "EncryptionAlgorithm", value.algorithm)
            add_relationship(entry, "ColumnMasterKey", [value.column_master_key])
            entries.append(entry)
        add_relationship(element, "ColumnEncryptionKeyValues", entries)
        return element


@dataclass
class DatabaseOptions:
    options: dict = field(default_factory=dict)

    TYPE = "SqlDatabaseOptions"

    @property
    def collation(self):
        return self.options.get("Collation")

    @classmethod
    def from_element(cls, element):
        return cls(properties(element))

    def to_element(self):
        element = new_element(self.TYPE, disambiguator=1)
        for key, value in self.options.items():
            add_property(element, key, value)
        add_relationship(element, "DefaultFilegroup", [Ref("[PRIMARY]", builtin=True)])
        return element


@dataclass
class AliasType:
    """A user-defined data type (CREATE TYPE ... FROM base)."""
    name: str
    base: SqlType
    nullable: bool = True

    TYPE = "SqlUserDefinedDataType"

    @classmethod
    def from_element(cls, element):
        props, rels = properties(element), relationships(element)
        base = split_name(_first_ref(rels, "Type") or "[sql_variant]")[-1].lower()
        return cls(element.get("Name"), SqlType(base, _int(props, "Length"), _int(props, "Precision"),
                                                _int(props, "Scale"), _flag(props, "IsMax")),
                   _flag(props, "IsNullable", True))


_KEY_TYPES = {"SqlPrimaryKeyConstraint", "SqlUniqueConstraint"}
TYPED = {
    "SqlTable": Table, "SqlForeignKeyConstraint": ForeignKey, "SqlDefaultConstraint": DefaultConstraint,
    "SqlCheckConstraint": CheckConstraint, "SqlIndex": Index, "SqlSchema": Schema, "SqlUser": User,
    "SqlRole": Role, "SqlRoleMembership": RoleMembership, "SqlPermissionStatement": Permission,
    "SqlColumnMasterKey": ColumnMasterKey, "SqlColumnEncryptionKey": ColumnEncryptionKey,
    "SqlDatabaseOptions": DatabaseOptions, "SqlUserDefinedDataType": AliasType,
    **{name: KeyConstraint for name in _KEY_TYPES}, **{name: Module for name in MODULE_TYPES},
}


__all__ = [
    "Model", "Table", "Column", "KeyConstraint", "ForeignKey", "DefaultConstraint", "CheckConstraint",
    "Index", "Schema", "Module", "User", "Role", "RoleMembership", "Permission", "ColumnMasterKey",
    "ColumnEncryptionKey", "ColumnEncryptionKeyValue", "DatabaseOptions", "AliasType", "Ref", "quote",
    "split_name", "DAC_NS", "REFERENTIAL_ACTIONS",
]

from .model_document import Model  # noqa: E402  (it reads the typed classes above)
