"""What several end-to-end test modules start from."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty SQLite database at the schema's head: the portal starts on it."""
    from etrakit_tui.domain.store.db import make_engine
    from etrakit_tui.domain.store.schema import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('start') / 'portal.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url
