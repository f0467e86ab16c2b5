import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Throttle counts live in a cache (Redis on CI) that outlives a test's database."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()
