"""The preflight on its own: the permission checks an export or import would run before any data moves.

  run_preflight(server, database, direction, *, storage_uri=None, storage_key_type=None,
                storage_key=None, engine_options=None) -> [{permission, granted, required, ...}]

For an import the package's model tells whether Always Encrypted keys come along, so --storage-uri
names the BACPAC. Engines without permissions to check (the embedded SQLite engine) answer [].
"""
from ..engines import open_engine
from ..errors import InvalidInputError
from ..storage import open_location
from .packages import open_package

DIRECTIONS = ("export", "import")


def run_preflight(server, database, direction, *, storage_uri=None, storage_key_type=None, storage_key=None,
                  engine_options=None):
    if direction not in DIRECTIONS:
        raise InvalidInputError(f"--direction must be export or import, not {direction!r}")
    if direction == "import" and not storage_uri:
        raise InvalidInputError("a preflight for an import needs --storage-uri: the BACPAC to import")
    engine = open_engine(server, **(engine_options or {}))
    model = None
    if direction == "import":
        with open_package(open_location(storage_uri, storage_key_type, storage_key)) as reader:
            model = reader.model
    return engine.preflight(database, direction, model)
