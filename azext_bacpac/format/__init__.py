"""The BACPAC format: schema model, BCP native codec, and streaming package reader/writer.

Pure Python; imports nothing else of azext_bacpac, so other projects can reuse it.
"""
from .bcp import ColumnLayout, RowCodec
from .errors import (BacpacFormatError, ChecksumMismatchError, DataError, EncodeError, MissingPartError,
                     ModelError, PackageError, UnsafeEntryError)
from .model import (AliasType, CheckConstraint, Column, ColumnEncryptionKey, ColumnEncryptionKeyValue,
                    ColumnMasterKey, DatabaseOptions, DefaultConstraint, ForeignKey, Index, KeyConstraint, Model,
                    Module, Permission, Role, RoleMembership, Schema, Table, User, quote, split_name)
from .assembly import PackageAssembler, PackageWriter
from .package import PackageReader, TableData, table_layout
from .parts import Origin, model_checksum
from .sqltypes import SqlType
from .values import PreciseDateTime, PreciseTime, SqlVariant

__all__ = [name for name in dir() if not name.startswith("_")]
