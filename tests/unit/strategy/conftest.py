"""Fixtures of the strategy tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .synthetic import Market


@pytest.fixture
def market(tmp_path: Path) -> Market:
    """A Market writing into this test's temporary folder."""
    return Market(tmp_path)
