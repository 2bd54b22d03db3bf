"""Shared fixtures: paths to the small real samples copied into tests/data."""
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """Folder of real sample inputs (copied from ../shared/corpus)."""
    return DATA
