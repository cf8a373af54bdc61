"""The command table: one group under core's `sql db`, overriding no core command."""

from azext_bacpac._transformers import transform_inspect_table, transform_operation_table
from azext_bacpac._validators import validate_export, validate_import, validate_inspect


def load_command_table(self, _):
    with self.command_group('sql db bacpac', is_preview=True) as g:
        g.custom_command('export', 'bacpac_export', validator=validate_export,
                         table_transformer=transform_operation_table)
        g.custom_command('import', 'bacpac_import', validator=validate_import,
                         table_transformer=transform_operation_table)
        g.custom_command('inspect', 'bacpac_inspect', validator=validate_inspect,
                         table_transformer=transform_inspect_table)
