"""The three things the CLI asks for: export a database, import a package, inspect a package.

  export_database(server, database, storage_uri, *, tables=None, exclude_tables=None,
                  overwrite=False, progress=None, cancel=None, workers=None, compressor=None,
                  compresslevel=None) -> dict
  import_package(storage_uri, server, database, *, tables=None, exclude_tables=None,
                 progress=None, cancel=None, workers=None) -> dict
  inspect_package(storage_uri, *, verify_checksum=True) -> dict

Rows stream in bounded memory from the engine through the codec into the package and out to
storage (and back). Large exports encode and deflate in worker processes (parallel.py), large
local imports decode in worker processes ahead of the inserts (parallel_import.py). Errors are azext_bacpac.errors classes, or format errors (BacpacFormatError)
for damaged packages; each carries a one-line message.
"""
from .export import export_database
from .importing import import_package
from .inspect import inspect_package

__all__ = ["export_database", "import_package", "inspect_package"]
