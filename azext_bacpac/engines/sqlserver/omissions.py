"""What an export does not carry into the package, found in the catalog and named in warnings.

The model this engine writes holds tables, keys, indexes, constraints, modules, users, sequences
and Always Encrypted keys. These it does not hold, and an import would silently lose them, so each
one is named (at most MAX_NAMED per kind, then a count):
  extended properties (sys.extended_properties), XML schema collections, dynamic data masking
  (sys.masked_columns, SQL Server 2016+), NOT FOR REPLICATION on foreign keys, checks and triggers.
Per-column and per-index losses (typed xml, identity NOT FOR REPLICATION, fill factor, compression,
disabled constraints) are named by catalog.py where it reads those rows.
"""
from ...format.model import quote

MAX_NAMED = 10

QUERIES = {
    "extended_properties": """/* bacpac:extended_properties */ SELECT ep.class_desc, ep.name,
        OBJECT_SCHEMA_NAME(ep.major_id) AS object_schema, OBJECT_NAME(ep.major_id) AS object_name,
        COL_NAME(ep.major_id, ep.minor_id) AS column_name
        FROM sys.extended_properties AS ep ORDER BY ep.class, ep.major_id, ep.minor_id, ep.name""",
    "xml_schema_collections": """/* bacpac:xml_schema_collections */ SELECT SCHEMA_NAME(x.schema_id) AS schema_name,
        x.name FROM sys.xml_schema_collections AS x WHERE x.xml_collection_id > 1 ORDER BY schema_name, x.name""",
    "masked_columns": """/* bacpac:masked_columns */ SELECT OBJECT_SCHEMA_NAME(m.object_id) AS object_schema,
        OBJECT_NAME(m.object_id) AS object_name, m.name, m.masking_function
        FROM sys.masked_columns AS m WHERE m.is_masked = 1 ORDER BY object_schema, object_name, m.column_id""",
    "not_for_replication": """/* bacpac:not_for_replication */ SELECT o.type_desc, SCHEMA_NAME(o.schema_id) AS
        schema_name, o.name FROM sys.objects AS o WHERE o.is_ms_shipped = 0 AND (
        o.object_id IN (SELECT object_id FROM sys.foreign_keys WHERE is_not_for_replication = 1)
        OR o.object_id IN (SELECT object_id FROM sys.check_constraints WHERE is_not_for_replication = 1)
        OR o.object_id IN (SELECT object_id FROM sys.triggers WHERE is_not_for_replication = 1))
        ORDER BY schema_name, o.name""",
}
QUERIES = {name: " ".join(sql.split()) for name, sql in QUERIES.items()}


def _listed(items):
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def _property_target(row):
    if row.get("class_desc") == "DATABASE":
        return "the database"
    if row.get("object_name"):
        target = quote(row["object_schema"], row["object_name"])
        return target + (f".{quote(row['column_name'])}" if row.get("column_name") else "")
    return str(row.get("class_desc") or "?").lower()


def warnings(query, facts):
    """The warnings for what the package will not hold. query(name) -> [dict] runs QUERIES[name]."""
    found = []
    rows = query("extended_properties")
    if rows:
        named = [f"{quote(r['name'])} on {_property_target(r)}" for r in rows]
        found.append(f"{len(rows)} extended propert{'y is' if len(rows) == 1 else 'ies are'} not exported: "
                     f"{_listed(named)}")
    rows = query("xml_schema_collections")
    if rows:
        named = [quote(r["schema_name"], r["name"]) for r in rows]
        found.append(f"{len(rows)} XML schema collection(s) are not exported, and the xml columns they type are "
                     f"exported as untyped xml: {_listed(named)}")
    if facts.get("has_masked_columns"):
        rows = query("masked_columns")
        if rows:
            named = [f"{quote(r['object_schema'], r['object_name'], r['name'])} ({r.get('masking_function')})"
                     for r in rows]
            found.append(f"dynamic data masking of {len(rows)} column(s) is not exported (an import leaves them "
                         f"unmasked): {_listed(named)}")
    rows = query("not_for_replication")
    if rows:
        named = [f"{str(r.get('type_desc') or '').lower().replace('_', ' ')} {quote(r['schema_name'], r['name'])}"
                 for r in rows]
        found.append(f"NOT FOR REPLICATION is not exported for {len(rows)} object(s): {_listed(named)}")
    return found


__all__ = ["QUERIES", "warnings", "MAX_NAMED"]
