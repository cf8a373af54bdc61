"""The elements an export from SQLite writes (checks, computed columns, views, extended properties) have
the shapes DacFx writes: compared with AdventureWorksLT's own elements in the real DACPAC."""
import io
import zipfile

from azext_bacpac.format.model import Model, Module
from azext_bacpac.format.model_objects import ComputedColumn, DependentCheck, ExtendedProperty, View
from azext_bacpac.format.xmlio import local_name, q
from tests.vectors import vector_path


def _adventure_works():
    data = zipfile.ZipFile(io.BytesIO(vector_path("ae-dacpac/unencrypted.dacpac").read_bytes())).read("model.xml")
    return Model.from_bytes(data)


def _shape(element, skip=()):
    """(tag, attributes, text, children) with the text of script values, without the `skip` children."""
    text = (element.text or "").strip() or None
    children = tuple(_shape(child, skip) for child in element
                     if (local_name(child.tag), child.get("Type") or child.get("Name")) not in skip)
    return local_name(element.tag), tuple(sorted(element.attrib.items())), text, children


def _element(model, element_type, name):
    for element in model.elements:
        if element.get("Type") == element_type and element.get("Name") == name:
            return element
        for nested in element.iter(q("Element")):
            if nested.get("Type") == element_type and nested.get("Name") == name:
                return nested
    raise KeyError(name)


def test_a_check_with_its_dependencies_is_shaped_like_dacfx_s():
    dacfx = _element(_adventure_works(), "SqlCheckConstraint", "[SalesLT].[CK_SalesOrderHeader_DueDate]")
    ours = DependentCheck("[SalesLT].[SalesOrderHeader]", "[DueDate]>=[OrderDate]",
                          "[SalesLT].[CK_SalesOrderHeader_DueDate]",
                          dependencies=["[SalesLT].[SalesOrderHeader].[DueDate]",
                                        "[SalesLT].[SalesOrderHeader].[OrderDate]"]).to_element()
    # (DacFx marks a constraint declared with its column; a derived one is a table constraint)
    assert _shape(ours) == _shape(dacfx, skip={("Annotation", "SqlInlineConstraintAnnotation")})


def test_a_computed_column_with_its_dependencies_is_shaped_like_dacfx_s():
    dacfx = _element(_adventure_works(), "SqlComputedColumn", "[SalesLT].[SalesOrderDetail].[LineTotal]")
    ours = ComputedColumn("LineTotal", None, computed_expression=(
        "(isnull(([UnitPrice]*((1.0)-[UnitPriceDiscount]))*[OrderQty],(0.0)))"), dependencies=[
        "[SalesLT].[SalesOrderDetail].[UnitPrice]", "[SalesLT].[SalesOrderDetail].[UnitPriceDiscount]",
        "[SalesLT].[SalesOrderDetail].[OrderQty]"]).to_element("[SalesLT].[SalesOrderDetail]")
    assert _shape(ours) == _shape(dacfx)


def test_a_view_is_shaped_like_dacfx_s_and_reads_back_as_a_module():
    dacfx = _element(_adventure_works(), "SqlView", "[SalesLT].[vProductAndDescription]")
    ours = View("SalesLT", "vProductAndDescription", "SELECT [p].[ProductID] FROM [SalesLT].[Product] AS [p]",
                [("ProductID", ["[SalesLT].[Product].[ProductID]"])],
                ["[SalesLT].[Product]", "[SalesLT].[Product].[ProductID]"]).to_element()

    def outline(element):
        return [(local_name(c.tag), c.get("Name") or c.get("Type")) for c in element]
    # the same properties, relationships and annotation, in the same order (DacFx adds IsSchemaBound for
    # WITH SCHEMABINDING, which a SQLite view does not have)
    assert outline(ours) == [item for item in outline(dacfx) if item != ("Property", "IsSchemaBound")]
    annotation = ours.find(q("Annotation"))
    assert [p.get("Name") for p in annotation] == ["Length", "StartLine", "StartColumn", "HeaderContents"]
    module = Module.from_element(ours)
    assert module.definition.replace("\r\n", "\n") == ("CREATE VIEW [SalesLT].[vProductAndDescription]\nAS\n"
                                                       "SELECT [p].[ProductID] FROM [SalesLT].[Product] AS [p]")
    assert int(annotation[0].get("Value")) == len(module.definition.replace("\n", "\r\n").replace("\r\r", "\r"))


def test_an_extended_property_reads_back():
    prop = ExtendedProperty("[dbo].[T].[a.b]", "SqlColumn", "SQLite_DeclaredType", "DECIMAL(12, 2) 'x'")
    element = prop.to_element()
    assert element.get("Name") == "[SqlColumn].[dbo].[T].[a.b].[SQLite_DeclaredType]"
    assert element.find(q("Property")).find(q("Value")).text == "N'DECIMAL(12, 2) ''x'''"
    assert ExtendedProperty.from_element(element) == prop
