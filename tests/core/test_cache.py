"""The Redis cache as production runs it (rental.core.cache): sessions read from the real Redis,
one Redis client per server kept for the life of the cache instead of one built per call."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_customer_s_session_is_read_from_redis_by_one_kept_client(client, redis_cache):
    other_process, prefix = redis_cache
    customer = CustomerFactory()
    client.force_login(customer.user)

    first = client.get(reverse("contracts:reservation_list"))
    second = client.get(reverse("contracts:reservation_list"))

    assert first.status_code == second.status_code == 200
    assert first.wsgi_request.user == customer.user
    assert other_process.keys(f"{prefix}:*django.contrib.sessions.cached_db*")
    kept = cache._cache.get_client()
    cache.set("greeting", "你好", 30)
    assert cache.get("greeting") == "你好"
    assert cache._cache.get_client(write=True) is kept
    assert cache.add("greeting", "again", 30) is False
