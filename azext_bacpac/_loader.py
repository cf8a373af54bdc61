# --------------------------------------------------------------------------------------------
# azext_bacpac: `az sql db bacpac` — export and import BACPAC files on a local engine.
# --------------------------------------------------------------------------------------------
"""The extension's command loader (az reaches it through azext_bacpac.COMMAND_LOADER_CLS)."""

from azure.cli.core import AzCommandsLoader

from azext_bacpac._help import helps  # noqa: F401  pylint: disable=unused-import


class BacpacCommandsLoader(AzCommandsLoader):
    # az's command index records each command's loader by `loader.__module__` and loads only
    # extensions whose package name it finds there (azure/cli/core/__init__.py, CommandIndex.update):
    # the loader must say it is the package's own, though it lives in _loader.py.
    __module__ = "azext_bacpac"

    def __init__(self, cli_ctx=None):
        from azure.cli.core.commands import CliCommandType
        custom = CliCommandType(operations_tmpl='azext_bacpac.custom#{}')
        super().__init__(cli_ctx=cli_ctx, custom_command_type=custom)

    def load_command_table(self, args):
        from azext_bacpac.commands import load_command_table
        load_command_table(self, args)
        return self.command_table

    def load_arguments(self, command):
        from azext_bacpac._params import load_arguments
        load_arguments(self, command)
