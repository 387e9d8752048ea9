"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

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
