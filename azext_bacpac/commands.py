"""The command table: one group under core's `sql db`, overriding no core command."""

from azext_bacpac._transformers import (
    transform_activity_table, transform_inspect_table, transform_operation_table, transform_preflight_table)
from azext_bacpac._validators import (
    validate_export, validate_import, validate_inspect, validate_operation_filter, validate_preflight)


def load_command_table(self, _):
    with self.command_group('sql db bacpac', is_preview=True) as g:
        g.custom_command('export', 'bacpac_export', validator=validate_export,
                         table_transformer=transform_operation_table)
        g.custom_command('import', 'bacpac_import', validator=validate_import,
                         table_transformer=transform_operation_table)
        g.custom_command('inspect', 'bacpac_inspect', validator=validate_inspect,
                         table_transformer=transform_inspect_table)
        g.custom_command('show', 'bacpac_show', table_transformer=transform_operation_table)
        g.custom_command('list', 'bacpac_list', validator=validate_operation_filter,
                         table_transformer=transform_activity_table)
        g.custom_command('wait', 'bacpac_wait')
        g.custom_command('preflight', 'bacpac_preflight', validator=validate_preflight,
                         table_transformer=transform_preflight_table)
        # never prompts, as `az sql db op cancel` and Stop-AzSqlDatabaseActivity (--yes is accepted, and changes nothing)
        g.custom_command('cancel', 'bacpac_cancel', validator=validate_operation_filter,
                         table_transformer=transform_activity_table)
