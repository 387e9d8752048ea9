"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def allow_list_restored() -> Iterator[None]:
    """The allow-list is per process; a test that allows a module or a schema folder (directly,
    or through an in-process `--allow-module`/`--allow-schemas`) must not allow it for the next."""
    from atomtrig.query import allowlist

    modules, folders = set(allowlist._modules), set(allowlist._schema_folders)
    yield
    with allowlist._lock:
        allowlist._modules.clear()
        allowlist._modules.update(modules)
        allowlist._schema_folders.clear()
        allowlist._schema_folders.update(folders)
    allowlist._changed()


# -- the storage backends every storage behaviour runs against ----------------------------------
BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


def _postgres_server() -> str:
    """The server of ``ATOMTRIG_TEST_POSTGRES`` (``.ci/run`` sets it; on CI these tests run,
    never skip). Without it the postgres tests fail with the reason."""
    import os

    url = os.environ.get("ATOMTRIG_TEST_POSTGRES")
    if not url:
        pytest.fail("ATOMTRIG_TEST_POSTGRES is not set: the postgres tests need a server "
                    "(e.g. postgresql://postgres@127.0.0.1:5432/test; .ci/run sets it)")
    return url


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test session, dropped at the end: its URL."""
    import os
    import uuid

    import psycopg

    server = _postgres_server()
    name = f"atomtrig_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store location of the backend the test is parametrised with (``backend``)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "postgresql":
        url = request.getfixturevalue("postgres_database")
        empty_postgres(url)
        return url
    return str(tmp_path / "kb.db")


def empty_postgres(url: str) -> None:
    """Drop every table of the test database (a fresh store for the next test)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A :class:`storage_support.Store` of each backend: ``memory``, ``sqlite`` and
    ``postgresql`` (marked ``postgres``; a fresh store in this session's database)."""
    from storage_support import Store

    location = None
    if request.param == "postgresql":
        location = request.getfixturevalue("postgres_database")
        empty_postgres(location)
    return Store(request.param, tmp_path, location)
