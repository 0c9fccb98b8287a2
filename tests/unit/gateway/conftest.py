"""What the gateway's unit tests share."""

from __future__ import annotations

import pytest

from gateway import i18n


@pytest.fixture
def chinese():
    """The request being answered reads 简体中文 (English again after the test)."""
    i18n.use("zh-CN")
    yield
    i18n.use("en")
