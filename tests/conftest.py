from __future__ import annotations

import pytest

from tracker.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "tracker.db") as opened:
        yield opened
