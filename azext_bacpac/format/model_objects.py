"""Model elements an engine builds beyond model.py's: extended properties, check constraints and
computed columns with their dependencies, and views, in the shapes DacFx writes (the real vectors:
AdventureWorksLT's CK_Product_ListPrice, SalesOrderDetail.LineTotal and vProductAndDescription).

  <Element Type="SqlExtendedProperty" Name="[SqlColumn].[dbo].[T].[c].[Name]">
    <Property Name="Value"><Value><![CDATA[N'text']]></Value></Property>
    <Relationship Name="Host"><Entry><References Name="[dbo].[T].[c]" /></Entry></Relationship>
  </Element>

Properties come first, then relationships by name, then annotations, as in DacFx's files.
"""
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .model import (BUILTIN_SCHEMAS, CheckConstraint, Column, Ref, add_property, add_relationship, add_script,
                    new_element, properties, quote, relationships, split_name)
from .xmlio import q

EXTENDED_PROPERTY = "SqlExtendedProperty"
_LITERAL = re.compile(r"N?'((?:[^']|'')*)'", re.S)


def insert_relationship(element, name, entries):
    """Add a relationship where DacFx has it: among the relationships in name order, before annotations."""
    scratch = new_element("scratch")
    add_relationship(scratch, name, entries)
    added = scratch.find(q("Relationship"))
    if added is None:
        return
    children = list(element)
    position = len(children)
    for i, child in enumerate(children):
        is_relationship = child.tag == q("Relationship")
        if (is_relationship and child.get("Name", "") > name) or child.tag in (q("Annotation"),
                                                                             q("AttachedAnnotation")):
            position = i
            break
    element.insert(position, added)


@dataclass
class ExtendedProperty:
    """sp_addextendedproperty on an object: `host` is its full name, `host_type` its element type."""
    host: str
    host_type: str
    name: str
    value: str

    TYPE = EXTENDED_PROPERTY

    @property
    def full_name(self):
        return f"[{self.host_type}].{self.host}.{quote(self.name)}"

    @classmethod
    def from_element(cls, element):
        """The property, or None when the element is not one this module can read (a value that is
        not a string literal, no host)."""
        host = next((entry.name for entry in relationships(element).get("Host", ()) if isinstance(entry, Ref)),
                    None)
        parts = split_name(element.get("Name") or "")
        match = _LITERAL.fullmatch((properties(element).get("Value") or "").strip())
        if host is None or match is None or len(parts) < 3:
            return None
        return cls(host, parts[0], parts[-1], match.group(1).replace("''", "'"))

    def to_element(self):
        element = new_element(self.TYPE, self.full_name)
        add_script(element, "Value", "N'" + self.value.replace("'", "''") + "'")
        add_relationship(element, "Host", [self.host])
        return element


def extended_properties(model):
    """[(element, ExtendedProperty or None)] of a model's extended properties, in model order."""
    return [(element, ExtendedProperty.from_element(element)) for element in model.elements
            if element.get("Type") == EXTENDED_PROPERTY]


@dataclass
class DependentCheck(CheckConstraint):
    """A check constraint with the columns its expression reads (CheckExpressionDependencies)."""
    dependencies: list = field(default_factory=list)     # column full names

    def to_element(self):
        element = super().to_element()
        insert_relationship(element, "CheckExpressionDependencies", self.dependencies)
        return element


@dataclass
class ComputedColumn(Column):
    """A computed column with the columns its expression reads (ExpressionDependencies)."""
    dependencies: list = field(default_factory=list)     # column full names

    def to_element(self, table_name):
        element = super().to_element(table_name)
        insert_relationship(element, "ExpressionDependencies", self.dependencies)
        return element


@dataclass
class View:
    """A view: its query, its columns (with the table columns each one shows, where known) and the
    tables and columns it reads."""
    schema: str
    name: str
    query: str
    columns: list = field(default_factory=list)          # [(column name, [column full names])]
    dependencies: list = field(default_factory=list)     # table and column full names

    TYPE = "SqlView"

    @property
    def full_name(self):
        return quote(self.schema, self.name)

    @property
    def header(self):
        return f"CREATE VIEW {self.full_name}\r\nAS"

    @property
    def body(self):
        return "\n" + self.query

    def to_element(self):
        element = new_element(self.TYPE, self.full_name)
        add_script(element, "QueryScript", self.body)
        add_property(element, "IsAnsiNullsOn", True)
        columns = []
        for column, sources in self.columns:
            computed = new_element("SqlComputedColumn", f"{self.full_name}.{quote(column)}")
            add_relationship(computed, "ExpressionDependencies", sources)
            columns.append(computed)
        add_relationship(element, "Columns", columns)
        add_relationship(element, "QueryDependencies", self.dependencies)
        add_relationship(element, "Schema", [Ref(quote(self.schema), builtin=self.schema in BUILTIN_SCHEMAS)])
        annotation = ET.SubElement(element, q("Annotation"), {"Type": "SysCommentsObjectAnnotation"})
        # the length of the whole definition as the file holds it (CDATA lines end in CR LF)
        add_property(annotation, "Length", len(self.header + self.body.replace("\r\n", "\n").replace("\n", "\r\n")))
        add_property(annotation, "StartLine", 1)
        add_property(annotation, "StartColumn", 1)
        add_property(annotation, "HeaderContents", self.header)
        return element


__all__ = ["ExtendedProperty", "extended_properties", "DependentCheck", "ComputedColumn", "View",
           "insert_relationship", "EXTENDED_PROPERTY"]
