"""The catalog queries the SQL Server engine sends, by name.

Each query is named by a leading comment (`/* bacpac:columns */`): the name shows in server traces and
lets the test double answer it (its recorded answers must have exactly the columns each query selects).
Results are read by column name (cursor.description), so the queries survive catalog columns that older
servers lack or newer ones add.
"""
from . import omissions

Q = {}


def _query(name, sql):
    Q[name] = f"/* bacpac:{name} */ " + " ".join(sql.split())
    return Q[name]


_query("facts", """
SELECT DB_NAME() AS database_name, @@VERSION AS version_text,
       CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS product_version,
       CONVERT(int, SERVERPROPERTY('EngineEdition')) AS engine_edition,
       CONVERT(nvarchar(128), SERVERPROPERTY('Edition')) AS edition,
       d.collation_name, d.compatibility_level, d.snapshot_isolation_state, d.is_read_committed_snapshot_on,
       d.is_ansi_null_default_on, d.is_ansi_nulls_on, d.is_ansi_padding_on, d.is_ansi_warnings_on,
       d.is_arithabort_on, d.is_concat_null_yields_null_on, d.is_quoted_identifier_on,
       d.is_local_cursor_default, d.is_auto_close_on, d.recovery_model,
       CONVERT(int, COLLATIONPROPERTY(d.collation_name, 'LCID')) AS collation_lcid,
       (SELECT SUM(CONVERT(bigint, f.size)) * 8 FROM sys.database_files AS f) AS size_kb,
       USER_NAME() AS user_name,
       CASE WHEN OBJECT_ID(N'sys.column_master_keys') IS NULL THEN 0 ELSE 1 END AS has_always_encrypted,
       CASE WHEN COL_LENGTH(N'sys.sequences', N'last_used_value') IS NULL THEN 0 ELSE 1 END AS has_last_used_value,
       CASE WHEN OBJECT_ID(N'sys.masked_columns') IS NULL THEN 0 ELSE 1 END AS has_masked_columns
FROM sys.databases AS d
WHERE d.database_id = DB_ID()""")

_query("schemas", """
SELECT s.name, p.name AS owner
FROM sys.schemas AS s JOIN sys.database_principals AS p ON p.principal_id = s.principal_id
WHERE s.name NOT IN (N'dbo', N'guest', N'sys', N'INFORMATION_SCHEMA')
  AND NOT (p.type = 'R' AND p.is_fixed_role = 1 AND p.name = s.name)
ORDER BY s.name""")

_query("types", """
SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name, TYPE_NAME(t.system_type_id) AS base_type,
       t.max_length, t.precision, t.scale, t.is_nullable
FROM sys.types AS t
WHERE t.is_user_defined = 1 AND t.is_table_type = 0 AND t.is_assembly_type = 0
ORDER BY schema_name, t.name""")

_query("sequences", """
SELECT SCHEMA_NAME(s.schema_id) AS schema_name, s.name, TYPE_NAME(s.user_type_id) AS type_name,
       s.precision, s.scale, CONVERT(nvarchar(40), s.start_value) AS start_value,
       CONVERT(nvarchar(40), s.increment) AS increment, s.is_cycling,
       CONVERT(nvarchar(40), s.minimum_value) AS minimum_value, CONVERT(nvarchar(40), s.maximum_value) AS maximum_value,
       s.is_cached, s.cache_size, CONVERT(nvarchar(40), s.current_value) AS current_value, s.is_exhausted
FROM sys.sequences AS s
ORDER BY schema_name, s.name""")
# SQL Server 2017+: whether NEXT VALUE FOR was ever called (before it, current_value alone says so)
_query("sequences_used", """
SELECT SCHEMA_NAME(s.schema_id) AS schema_name, s.name,
       CASE WHEN s.last_used_value IS NULL THEN 0 ELSE 1 END AS is_used
FROM sys.sequences AS s""")

_query("tables", """
SELECT t.object_id, SCHEMA_NAME(t.schema_id) AS schema_name, t.name, t.uses_ansi_nulls,
       t.is_memory_optimized, t.temporal_type, t.is_external
FROM sys.tables AS t
WHERE t.is_ms_shipped = 0
ORDER BY schema_name, t.name""")

_query("columns", """
SELECT c.object_id, c.column_id, c.name, t.name AS type_name, SCHEMA_NAME(t.schema_id) AS type_schema,
       t.is_user_defined, t.is_assembly_type, TYPE_NAME(c.system_type_id) AS system_type_name,
       c.max_length, c.precision, c.scale, c.collation_name, c.is_nullable, c.is_identity,
       CONVERT(nvarchar(40), ic.seed_value) AS seed_value, CONVERT(nvarchar(40), ic.increment_value) AS increment_value,
       c.is_computed, cc.definition AS computed_definition, cc.is_persisted, c.is_rowguidcol, c.is_sparse,
       c.xml_collection_id, ic.is_not_for_replication AS identity_not_for_replication,
       c.encryption_type, c.encryption_algorithm_name, c.column_encryption_key_id, k.name AS column_encryption_key
FROM sys.columns AS c
JOIN sys.tables AS tb ON tb.object_id = c.object_id
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.identity_columns AS ic ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.column_encryption_keys AS k ON k.column_encryption_key_id = c.column_encryption_key_id
WHERE tb.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id""")

# Before SQL Server 2016 sys.columns has no Always Encrypted columns and sys.column_encryption_keys does
# not exist: the same query with NULLs in their place (facts.has_always_encrypted says which to send).
Q["columns_before_2016"] = (Q["columns"]
                            .replace("/* bacpac:columns */", "/* bacpac:columns_before_2016 */")
                            .replace("c.encryption_type, c.encryption_algorithm_name, c.column_encryption_key_id, "
                                     "k.name AS column_encryption_key",
                                     "NULL AS encryption_type, NULL AS encryption_algorithm_name, NULL AS "
                                     "column_encryption_key_id, NULL AS column_encryption_key")
                            .replace(" LEFT JOIN sys.column_encryption_keys AS k ON k.column_encryption_key_id = "
                                     "c.column_encryption_key_id", ""))

# Indexes of tables and of (indexed) views: both are sys.objects of type U and V.
_query("indexes", """
SELECT i.object_id, i.index_id, i.name, i.type, i.is_unique, i.is_primary_key, i.is_unique_constraint,
       i.has_filter, i.filter_definition, i.is_disabled, k.is_system_named, i.fill_factor, i.is_padded,
       i.ignore_dup_key, i.allow_row_locks, i.allow_page_locks,
       (SELECT MAX(p.data_compression) FROM sys.partitions AS p
        WHERE p.object_id = i.object_id AND p.index_id = i.index_id) AS data_compression
FROM sys.indexes AS i
JOIN sys.objects AS t ON t.object_id = i.object_id AND t.type IN ('U', 'V')
LEFT JOIN sys.key_constraints AS k ON k.parent_object_id = i.object_id AND k.unique_index_id = i.index_id
WHERE t.is_ms_shipped = 0 AND i.type > 0 AND i.is_hypothetical = 0
ORDER BY i.object_id, i.index_id""")

_query("index_columns", """
SELECT ic.object_id, ic.index_id, ic.key_ordinal, ic.index_column_id, c.name, ic.is_descending_key,
       ic.is_included_column
FROM sys.index_columns AS ic
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.objects AS t ON t.object_id = ic.object_id AND t.type IN ('U', 'V')
WHERE t.is_ms_shipped = 0
ORDER BY ic.object_id, ic.index_id, ic.key_ordinal, ic.index_column_id""")

_query("foreign_keys", """
SELECT fk.object_id, fk.name, fk.is_system_named, fk.parent_object_id, fk.referenced_object_id,
       fk.delete_referential_action, fk.update_referential_action, fk.is_disabled, fk.is_not_trusted
FROM sys.foreign_keys AS fk
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
WHERE t.is_ms_shipped = 0
ORDER BY fk.parent_object_id, fk.name""")

_query("foreign_key_columns", """
SELECT fkc.constraint_object_id, fkc.constraint_column_id, pc.name AS column_name, rc.name AS referenced_column
FROM sys.foreign_key_columns AS fkc
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
ORDER BY fkc.constraint_object_id, fkc.constraint_column_id""")

_query("defaults", """
SELECT dc.parent_object_id, dc.name, dc.is_system_named, c.name AS column_name, dc.definition
FROM sys.default_constraints AS dc
JOIN sys.columns AS c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id
JOIN sys.tables AS t ON t.object_id = dc.parent_object_id
WHERE t.is_ms_shipped = 0
ORDER BY dc.parent_object_id, dc.name""")

_query("checks", """
SELECT cc.parent_object_id, cc.name, cc.is_system_named, cc.definition, cc.is_disabled
FROM sys.check_constraints AS cc
JOIN sys.tables AS t ON t.object_id = cc.parent_object_id
WHERE t.is_ms_shipped = 0
ORDER BY cc.parent_object_id, cc.name""")

_query("modules", """
SELECT o.object_id, SCHEMA_NAME(o.schema_id) AS schema_name, o.name, o.type, m.definition,
       OBJECT_SCHEMA_NAME(o.parent_object_id) AS parent_schema, OBJECT_NAME(o.parent_object_id) AS parent_name,
       m.uses_ansi_nulls, m.uses_quoted_identifier
FROM sys.sql_modules AS m
JOIN sys.objects AS o ON o.object_id = m.object_id
WHERE o.is_ms_shipped = 0 AND o.type IN ('V', 'P', 'FN', 'IF', 'TF', 'TR')
ORDER BY o.create_date, o.object_id""")

_query("principals", """
SELECT p.principal_id, p.name, p.type, p.default_schema_name, p.authentication_type, p.sid,
       CASE WHEN CONVERT(int, SERVERPROPERTY('EngineEdition')) = 5 THEN NULL ELSE SUSER_SNAME(p.sid) END AS login_name,
       o.name AS owner
FROM sys.database_principals AS p
LEFT JOIN sys.database_principals AS o ON o.principal_id = p.owning_principal_id
WHERE p.principal_id > 4 AND p.is_fixed_role = 0 AND p.name <> N'public'
ORDER BY p.principal_id""")

_query("role_members", """
SELECT r.name AS role_name, r.is_fixed_role, m.name AS member_name
FROM sys.database_role_members AS rm
JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id
WHERE m.name <> N'dbo'
ORDER BY r.name, m.name""")

_query("permissions", """
SELECT p.class, p.permission_name, p.state, g.name AS grantee, g.principal_id AS grantee_id,
       CASE WHEN p.class = 1 THEN OBJECT_SCHEMA_NAME(p.major_id) END AS object_schema,
       CASE WHEN p.class = 1 THEN OBJECT_NAME(p.major_id) END AS object_name,
       CASE WHEN p.class = 3 THEN SCHEMA_NAME(p.major_id) END AS schema_name
FROM sys.database_permissions AS p
JOIN sys.database_principals AS g ON g.principal_id = p.grantee_principal_id
WHERE p.class IN (0, 1, 3) AND g.name <> N'dbo' AND NOT (p.class = 0 AND p.permission_name = N'CONNECT')
ORDER BY p.class, g.name, p.permission_name""")

# An explicit column list: `k.*` would also fetch create_date / modify_date (datetime), which the
# driver hands over as raw server bytes once a timestamp converter is registered.
_query("column_master_keys", """
SELECT k.name, k.column_master_key_id, k.key_store_provider_name, k.key_path, k.allow_enclave_computations,
       k.signature
FROM sys.column_master_keys AS k ORDER BY k.name""")

_query("column_encryption_keys", """
SELECT k.column_encryption_key_id, k.name, v.column_master_key_id, m.name AS column_master_key, v.encrypted_value,
       v.encryption_algorithm_name
FROM sys.column_encryption_keys AS k
LEFT JOIN sys.column_encryption_key_values AS v ON v.column_encryption_key_id = k.column_encryption_key_id
LEFT JOIN sys.column_master_keys AS m ON m.column_master_key_id = v.column_master_key_id
ORDER BY k.name, m.name""")

_query("other_objects", """
SELECT o.type_desc, COUNT(*) AS object_count
FROM sys.objects AS o
WHERE o.is_ms_shipped = 0 AND o.type IN ('SN', 'TT', 'PC', 'FS', 'FT', 'TA', 'AF', 'X', 'SQ')
GROUP BY o.type_desc
ORDER BY o.type_desc""")

Q.update(omissions.QUERIES)
# Run in master: the logins users are mapped to, by SID (where SUSER_SNAME cannot tell).
_query("logins", """SELECT l.name, l.sid FROM sys.sql_logins AS l""")

__all__ = ["Q"]
