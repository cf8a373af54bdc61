# --------------------------------------------------------------------------------------------
# azext_bacpac: `az sql db bacpac` — export and import BACPAC files on a local engine.
# --------------------------------------------------------------------------------------------
"""The package. Its core (format, engines, storage, pipelines, operations, native) stands without az.

az finds the command loader through ``COMMAND_LOADER_CLS`` (azure.cli.core.commands._load_command_loader
reads it with getattr). It is resolved lazily, so importing ``azext_bacpac.format`` in a worker process
or a script does not import azure.cli or knack (tests/test_core_imports.py).
"""


def __getattr__(name):
    if name == "COMMAND_LOADER_CLS":
        from azext_bacpac._loader import BacpacCommandsLoader
        return BacpacCommandsLoader
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
