"""Recorded result sets of a small SQL Server 2022 database, as the catalog queries return them.

The database `Shop` (SQL_Latin1_General_CP1_CI_AS):
  [dbo].[Customers]   identity PK (clustered), alias-typed [Phone], an Always Encrypted [SSN]
                      (deterministic, CEK_Auto1), a filtered unique index, a named default, a check,
                      a rowversion
  [sales].[Orders]    bigint identity from 1000 with a system-named PK, FK to Customers ON DELETE
                      CASCADE, a system-named default, datetimeoffset(7), nvarchar(max), geography,
                      a computed column (in the middle), sql_variant, uniqueidentifier, an index
                      with an included column
  [sales].[OrderTotals] view, [dbo].[GetCustomer] procedure, [sales].[trOrders] trigger,
  [sales].[OrderNumbers] sequence, [dbo].[Phone] alias type,
  CMK_Auto1 (Azure Key Vault) and CEK_Auto1 (one encrypted value), user app_user WITHOUT LOGIN,
  role app_readers (app_user a member, and of db_datareader), public's two default key grants,
  and a SELECT grant that the export cannot carry (a warning).
Rows are tuples in the query's column order; bit columns come back as bool, as pyodbc gives them.
"""
import datetime
import decimal
import uuid

from azext_bacpac.format.values import PreciseDateTime

from .fakedb import FakeDatabase

CUSTOMERS, ORDERS = 901578250, 933578364
VIEW, PROC, TRIGGER = 965578478, 997578592, 1029578706
CEK_VALUE = bytes.fromhex(
    "016E000001630075007200720065006E00740075007300650072002F006D0079002F00640065006D006F00"
    "6B0065007900A9C2B7D3E4F5061728394A5B6C7D8E9F00112233445566778899AABBCCDDEEFF0123456789")
KEY_PATH = "https://shopvault.vault.azure.net/keys/AlwaysEncryptedKey/8c0bd7f2a1e44c5e9d3f6b7a8c9d0e1f"
# AEAD_AES_256_CBC_HMAC_SHA_256 layout: version byte, 32-byte MAC, 16-byte IV, one 16-byte block.
SSN_CIPHERTEXTS = [bytes.fromhex("01" + "A1B2C3D4E5F60718293A4B5C6D7E8F90" * 4),
                   bytes.fromhex("01" + "0F1E2D3C4B5A69788796A5B4C3D2E1F0" * 4)]
GEOGRAPHY_POINT = bytes.fromhex("E6100000010C0000000000804740000000000000F0BF")

FACTS = (["database_name", "version_text", "product_version", "engine_edition", "edition", "collation_name",
          "compatibility_level", "snapshot_isolation_state", "is_read_committed_snapshot_on",
          "is_ansi_null_default_on", "is_ansi_nulls_on", "is_ansi_padding_on", "is_ansi_warnings_on",
          "is_arithabort_on", "is_concat_null_yields_null_on", "is_quoted_identifier_on", "is_local_cursor_default",
          "is_auto_close_on", "recovery_model", "collation_lcid", "size_kb", "user_name", "has_always_encrypted",
          "has_last_used_value", "has_masked_columns"],
         [("Shop", "Microsoft SQL Azure (RTM) - 12.0.2000.8 \n\tOct  2 2025 11:02:12 \n\tCopyright (C) 2025 Microsoft "
           "Corporation\n", "12.0.2000.8", 5, "SQL Azure", "SQL_Latin1_General_CP1_CI_AS", 160, 1, True, False,
           False, False, False, False, False, False, False, False, 1, 1033, 16384, "dbo", 1, 1, 1)])

SCHEMAS = (["name", "owner"], [("sales", "dbo")])
TYPES = (["schema_name", "name", "base_type", "max_length", "precision", "scale", "is_nullable"],
         [("dbo", "Phone", "nvarchar", 40, 0, 0, True)])
SEQUENCES = (["schema_name", "name", "type_name", "precision", "scale", "start_value", "increment", "is_cycling",
              "minimum_value", "maximum_value", "is_cached", "cache_size", "current_value", "is_exhausted"],
             [("sales", "OrderNumbers", "int", 10, 0, "1", "1", False, "-2147483648", "2147483647", True, None, "1",
               False)])
SEQUENCES_USED = (["schema_name", "name", "is_used"], [("sales", "OrderNumbers", 0)])
TABLES = (["object_id", "schema_name", "name", "uses_ansi_nulls", "is_memory_optimized", "temporal_type",
           "is_external"],
          [(CUSTOMERS, "dbo", "Customers", True, False, 0, False),
           (ORDERS, "sales", "Orders", True, False, 0, False)])

_COLUMNS = ["object_id", "column_id", "name", "type_name", "type_schema", "is_user_defined", "is_assembly_type",
            "system_type_name", "max_length", "precision", "scale", "collation_name", "is_nullable", "is_identity",
            "seed_value", "increment_value", "is_computed", "computed_definition", "is_persisted", "is_rowguidcol",
            "is_sparse", "xml_collection_id", "identity_not_for_replication", "encryption_type",
            "encryption_algorithm_name", "column_encryption_key_id", "column_encryption_key"]
_LATIN = "SQL_Latin1_General_CP1_CI_AS"


def _col(object_id, column_id, name, type_name, max_length, precision=0, scale=0, *, nullable=True,
         identity=None, collation=None, computed=None, user_defined=False, system_type=None, type_schema="sys",
         assembly=False, encrypted=None):
    return (object_id, column_id, name, type_name, type_schema, user_defined, assembly, system_type or type_name,
            max_length, precision, scale, collation, nullable, identity is not None,
            identity[0] if identity else None, identity[1] if identity else None, computed is not None,
            computed, False if computed is not None else None, False, False, 0, False if identity else None,
            encrypted[0] if encrypted else None, "AEAD_AES_256_CBC_HMAC_SHA_256" if encrypted else None,
            1 if encrypted else None, encrypted[1] if encrypted else None)


COLUMNS = (_COLUMNS, [
    _col(CUSTOMERS, 1, "CustomerId", "int", 4, 10, 0, nullable=False, identity=("1", "1")),
    _col(CUSTOMERS, 2, "Name", "nvarchar", 200, collation=_LATIN, nullable=False),
    _col(CUSTOMERS, 3, "Email", "varchar", 200, collation=_LATIN),
    _col(CUSTOMERS, 4, "SSN", "char", 11, collation="Latin1_General_BIN2", nullable=False,
         encrypted=(1, "CEK_Auto1")),
    _col(CUSTOMERS, 5, "CreatedAt", "datetime2", 8, 27, 7, nullable=False),
    _col(CUSTOMERS, 6, "Balance", "money", 8, 19, 4),
    _col(CUSTOMERS, 7, "RowVer", "timestamp", 8, nullable=False),
    _col(CUSTOMERS, 8, "Phone", "Phone", 40, collation=_LATIN, user_defined=True, system_type="nvarchar",
         type_schema="dbo"),
    _col(ORDERS, 1, "OrderId", "bigint", 8, 19, 0, nullable=False, identity=("1000", "1")),
    _col(ORDERS, 2, "CustomerId", "int", 4, 10, 0, nullable=False),
    _col(ORDERS, 3, "Total", "decimal", 9, 18, 2, nullable=False),
    _col(ORDERS, 4, "TotalWithTax", "numeric", 13, 25, 3, computed="([Total]*(1.2))"),
    _col(ORDERS, 5, "Placed", "datetimeoffset", 10, 34, 7, nullable=False),
    _col(ORDERS, 6, "Notes", "nvarchar", -1, collation=_LATIN),
    _col(ORDERS, 7, "Location", "geography", -1, assembly=True, system_type="geography"),
    _col(ORDERS, 8, "Tag", "sql_variant", 8016),
    _col(ORDERS, 9, "Ref", "uniqueidentifier", 16, nullable=False),
])

_INDEX_OPTIONS = (0, False, False, True, True, 0)     # fill_factor .. data_compression: the defaults
INDEXES = (["object_id", "index_id", "name", "type", "is_unique", "is_primary_key", "is_unique_constraint",
            "has_filter", "filter_definition", "is_disabled", "is_system_named", "fill_factor", "is_padded",
            "ignore_dup_key", "allow_row_locks", "allow_page_locks", "data_compression"],
           [(CUSTOMERS, 1, "PK_Customers", 1, True, True, False, False, None, False, False) + _INDEX_OPTIONS,
            (CUSTOMERS, 2, "IX_Customers_Email", 2, True, False, False, True, "([Email] IS NOT NULL)", False, None)
            + _INDEX_OPTIONS,
            (ORDERS, 1, "PK__Orders__C3905BCF5A8E2F1B", 1, True, True, False, False, None, False, True)
            + _INDEX_OPTIONS,
            (ORDERS, 2, "IX_Orders_CustomerId", 2, False, False, False, False, None, False, None) + _INDEX_OPTIONS])
INDEX_COLUMNS = (["object_id", "index_id", "key_ordinal", "index_column_id", "name", "is_descending_key",
                  "is_included_column"],
                 [(CUSTOMERS, 1, 1, 1, "CustomerId", False, False),
                  (CUSTOMERS, 2, 1, 1, "Email", False, False),
                  (ORDERS, 1, 1, 1, "OrderId", False, False),
                  (ORDERS, 2, 0, 2, "Total", False, True),
                  (ORDERS, 2, 1, 1, "CustomerId", False, False)])
FOREIGN_KEYS = (["object_id", "name", "is_system_named", "parent_object_id", "referenced_object_id",
                 "delete_referential_action", "update_referential_action", "is_disabled", "is_not_trusted"],
                [(1061578820, "FK_Orders_Customers", False, ORDERS, CUSTOMERS, 1, 0, False, False)])
FOREIGN_KEY_COLUMNS = (["constraint_object_id", "constraint_column_id", "column_name", "referenced_column"],
                       [(1061578820, 1, "CustomerId", "CustomerId")])
DEFAULTS = (["parent_object_id", "name", "is_system_named", "column_name", "definition"],
            [(CUSTOMERS, "DF_Customers_CreatedAt", False, "CreatedAt", "(sysutcdatetime())"),
             (ORDERS, "DF__Orders__Total__3B75D760", True, "Total", "((0))")])
CHECKS = (["parent_object_id", "name", "is_system_named", "definition", "is_disabled"],
          [(CUSTOMERS, "CK_Customers_Balance", False, "([Balance]>=(0))", False)])
VIEW_TEXT = ("CREATE VIEW [sales].[OrderTotals]\r\nAS\r\nSELECT o.CustomerId, SUM(o.Total) AS Total\r\n"
             "FROM sales.Orders AS o\r\nGROUP BY o.CustomerId")
PROC_TEXT = ("-- one customer by id\r\nCREATE PROCEDURE [dbo].[GetCustomer] @Id int\r\nAS\r\nSELECT CustomerId, Name "
             "FROM dbo.Customers WHERE CustomerId = @Id")
TRIGGER_TEXT = ("CREATE TRIGGER [sales].[trOrders] ON [sales].[Orders] AFTER INSERT\r\nAS\r\nSET NOCOUNT ON;")
MODULES = (["object_id", "schema_name", "name", "type", "definition", "parent_schema", "parent_name",
            "uses_ansi_nulls", "uses_quoted_identifier"],
           [(VIEW, "sales", "OrderTotals", "V ", VIEW_TEXT, None, None, True, True),
            (PROC, "dbo", "GetCustomer", "P ", PROC_TEXT, None, None, True, True),
            (TRIGGER, "sales", "trOrders", "TR", TRIGGER_TEXT, "sales", "Orders", True, True)])
APP_USER_SID = bytes.fromhex("0105000000000009030000005B2B0E8C2C5DA1479B0C1A8A22F3C2E1")
PRINCIPALS = (["principal_id", "name", "type", "default_schema_name", "authentication_type", "sid", "login_name",
               "owner"],
              [(5, "app_user", "S", "dbo", 0, APP_USER_SID, None, None),
               (6, "app_readers", "R", None, 0,
                bytes.fromhex("01050000000000090400000083741B006749C04BA943C02702F2A762"), None, "dbo")])
ROLE_MEMBERS = (["role_name", "is_fixed_role", "member_name"],
                [("app_readers", False, "app_user"), ("db_datareader", True, "app_user")])
PERMISSIONS = (["class", "permission_name", "state", "grantee", "grantee_id", "object_schema", "object_name",
                "schema_name"],
               [(0, "VIEW ANY COLUMN ENCRYPTION KEY DEFINITION", "G", "public", 0, None, None, None),
                (0, "VIEW ANY COLUMN MASTER KEY DEFINITION", "G", "public", 0, None, None, None),
                (1, "SELECT", "G", "app_readers", 6, "sales", "Orders", None)])
MASTER_KEYS = (["name", "column_master_key_id", "key_store_provider_name", "key_path", "allow_enclave_computations",
                "signature"],
               [("CMK_Auto1", 1, "AZURE_KEY_VAULT", KEY_PATH, False, None)])
ENCRYPTION_KEYS = (["column_encryption_key_id", "name", "column_master_key_id", "column_master_key", "encrypted_value",
                    "encryption_algorithm_name"],
                   [(1, "CEK_Auto1", 1, "CMK_Auto1", CEK_VALUE, "RSA_OAEP")])
OTHER_OBJECTS = (["type_desc", "object_count"], [])
NONE_EXTENDED_PROPERTIES = (["class_desc", "name", "object_schema", "object_name", "column_name"], [])
NONE_XML_COLLECTIONS = (["schema_name", "name"], [])
NONE_MASKED = (["object_schema", "object_name", "name", "masking_function"], [])
NONE_NOT_FOR_REPLICATION = (["type_desc", "schema_name", "name"], [])
PRESENCE = (["encrypted_columns", "master_keys", "encryption_keys"], [(1, 1, 1)])

CUSTOMER_COLUMNS = ["CustomerId", "Name", "Email", "SSN", "CreatedAt", "Balance", "RowVer", "Phone"]
# The server type of each selected column: the double hands date and time cells to the engine's
# converters as the driver's bytes for that type (fakedriver.py). SSN is ciphertext (varbinary).
CUSTOMER_TYPES = ["int", "nvarchar", "varchar", "varbinary", "datetime2", "money", "timestamp", "nvarchar"]
CUSTOMER_ROWS = [
    (1, "Ada Lovelace", "ada@example.com", SSN_CIPHERTEXTS[0],
     PreciseDateTime(2025, 1, 2, 3, 4, 5, 123456, hundred_ns=7), decimal.Decimal("1234.5600"),
     bytes.fromhex("00000000000007D1"), "+44 20 7946 0000"),
    (2, "Grace Hopper", None, SSN_CIPHERTEXTS[1], datetime.datetime(2025, 2, 3, 4, 5, 6),
     None, bytes.fromhex("00000000000007D2"), None),
]
ORDER_COLUMNS = ["OrderId", "CustomerId", "Total", "Placed", "Notes", "Location", "Tag", "Ref"]
ORDER_TYPES = ["bigint", "int", "decimal", "datetimeoffset", "nvarchar", "varbinary", "sql_variant", "uniqueidentifier"]
PLUS_2 = datetime.timezone(datetime.timedelta(hours=2))
ORDER_ROWS = [
    (1000, 1, decimal.Decimal("12.50"), PreciseDateTime(2025, 3, 4, 10, 0, 0, 1, PLUS_2, hundred_ns=3),
     "first order \u00e9\u6f22", GEOGRAPHY_POINT, 42, "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
    (1001, 2, decimal.Decimal("0.00"), datetime.datetime(2025, 3, 5, 0, 0, tzinfo=datetime.timezone.utc),
     None, None, None, str(uuid.UUID("12345678-1234-5678-1234-567812345678")).upper()),
]


def shop(**overrides):
    """The recorded `Shop` database (overrides replace whole result sets by query name)."""
    answers = {"facts": FACTS, "schemas": SCHEMAS, "types": TYPES, "sequences": SEQUENCES, "tables": TABLES,
               "columns": COLUMNS, "indexes": INDEXES, "index_columns": INDEX_COLUMNS, "foreign_keys": FOREIGN_KEYS,
               "foreign_key_columns": FOREIGN_KEY_COLUMNS, "defaults": DEFAULTS, "checks": CHECKS,
               "modules": MODULES, "principals": PRINCIPALS, "role_members": ROLE_MEMBERS,
               "permissions": PERMISSIONS, "column_master_keys": MASTER_KEYS, "sequences_used": SEQUENCES_USED,
               "extended_properties": NONE_EXTENDED_PROPERTIES, "xml_schema_collections": NONE_XML_COLLECTIONS,
               "masked_columns": NONE_MASKED, "not_for_replication": NONE_NOT_FOR_REPLICATION,
               "column_encryption_keys": ENCRYPTION_KEYS, "other_objects": OTHER_OBJECTS, "key_presence": PRESENCE}
    answers.update(overrides)
    tables = {"[dbo].[Customers]": (CUSTOMER_COLUMNS, CUSTOMER_ROWS, CUSTOMER_TYPES),
              "[sales].[Orders]": (ORDER_COLUMNS, ORDER_ROWS, ORDER_TYPES)}
    object_ids = {CUSTOMERS: "[dbo].[Customers]", ORDERS: "[sales].[Orders]"}
    return FakeDatabase("Shop", answers, tables, object_ids=object_ids)


def with_facts(**changes):
    """FACTS with some columns changed (e.g. snapshot_isolation_state=0, engine_edition=3)."""
    columns, rows = FACTS
    row = list(rows[0])
    for key, value in changes.items():
        row[columns.index(key)] = value
    return columns, [tuple(row)]
