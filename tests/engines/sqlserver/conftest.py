import pytest

from azext_bacpac.engines.sqlserver import SqlServerEngine

from .fakedb import FakeBulkCopy, FakeServer
from .recorded import shop


@pytest.fixture
def server():
    fake = FakeServer()
    fake.add(shop())
    return fake


def make_engine(fake, server_name="shopserver", **options):
    options.setdefault("user", "sqladmin")
    options.setdefault("password", "Pa55w0rd!secret")
    options.setdefault("poll_seconds", 0)
    return SqlServerEngine(server_name, connect=fake.connect,
                           bulk_copy_factory=lambda settings, database, plan:
                           FakeBulkCopy(fake, settings, database, plan),
                           **options)


@pytest.fixture
def engine_for():
    return make_engine
