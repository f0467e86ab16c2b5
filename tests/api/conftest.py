import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in a cache (Redis on CI) that outlives a test's database."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded identity copies go to a folder of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
