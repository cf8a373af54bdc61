"""Inspect: what a package holds, without any database.

Every table's rows are counted by decoding its data (bounded memory), so the numbers are the
package's, not Origin.xml's claims; every cell is checked against its column as the decoder does
for an import. Data whose rows disagree with Origin.xml's total, or a cell its column cannot hold,
fails the inspection as it would fail an import. A checksum mismatch is reported (verified: false),
not raised.
"""
from ..format.errors import DataError
from ..storage import open_location
from .packages import open_package


def inspect_package(storage_uri, *, verify_checksum=True, storage_key_type=None, storage_key=None,
                    max_uncompressed_size=None):
    """A dict describing the package at storage_uri.

    Keys: storageUri, path, packageBytes, databaseName, producer {productName, productVersion},
    serverVersion, modelSchemaVersion, dspName, exportStarted, containsData, tables ([{name, schema,
    table, rows, dataBytes, compressedBytes, parts}]), totals {tables, rows, dataBytes,
    compressedBytes, originRowTotal}, alwaysEncrypted {columnMasterKeys, columnEncryptionKeys,
    encryptedColumns}, checksum {stored, computed, verified}.
    """
    location = open_location(storage_uri, storage_key_type, storage_key)
    with open_package(location, verify_checksum=False, max_total_bytes=max_uncompressed_size) as reader:
        tables = []
        for data in reader.tables:
            tables.append({"name": data.full_name, "schema": data.schema, "table": data.name,
                           "rows": reader.count_rows(data), "dataBytes": data.data_bytes,
                           "compressedBytes": data.compressed_bytes, "parts": len(data.entries)})
        origin, model = reader.origin, reader.model
        counted = sum(t["rows"] for t in tables)
        if origin.has_export_statistics and counted != origin.total_rows:
            raise DataError(f"{reader.source_name}: the package's data holds {counted} rows, but Origin.xml records "
                            f"{origin.total_rows} (TableRowCountTotalTag): data parts are missing, cut short or "
                            f"damaged; an import would refuse it")
        return {
            "storageUri": location.uri,
            "path": str(location.path),
            "packageBytes": location.size(),
            "databaseName": reader.metadata.get("Name"),
            "producer": {"productName": origin.product_name, "productVersion": origin.product_version},
            "serverVersion": origin.server_version,
            "modelSchemaVersion": origin.model_schema_version or model.attributes.get("SchemaVersion"),
            "dspName": model.attributes.get("DspName"),
            "exportStarted": origin.start,
            "containsData": origin.contains_exported_data,
            "tables": tables,
            "totals": {"tables": len(tables), "rows": sum(t["rows"] for t in tables),
                       "dataBytes": sum(t["dataBytes"] for t in tables),
                       "compressedBytes": sum(t["compressedBytes"] for t in tables),
                       "originRowTotal": origin.total_rows if origin.has_export_statistics else None},
            "alwaysEncrypted": _always_encrypted(model),
            "checksum": {"stored": origin.checksums.get("/model.xml"), "computed": reader.checksum,
                         "verified": reader.checksum_verified if verify_checksum else None},
        }


def _always_encrypted(model):
    columns = [{"table": table.full_name, "column": column.name, "encryptionType": column.encryption_type,
                "algorithm": column.encryption_algorithm, "columnEncryptionKey": column.encryption_key}
               for table in model.tables for column in table.columns if column.is_encrypted]
    return {
        "columnMasterKeys": [{"name": key.name, "keyStoreProvider": key.key_store_provider, "keyPath": key.key_path,
                              "allowEnclaveComputations": key.allow_enclave_computations}
                             for key in model.column_master_keys],
        "columnEncryptionKeys": [{"name": key.name,
                                  "values": [{"columnMasterKey": value.column_master_key,
                                              "algorithm": value.algorithm} for value in key.values]}
                                 for key in model.column_encryption_keys],
        "encryptedColumns": columns,
    }
