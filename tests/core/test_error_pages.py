"""Our own 403, 404 and 500 pages, in both languages, in the site's layout, with a way back;
a refused request is one log line without a traceback."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_customer_on_a_staff_page_gets_our_403_in_chinese_and_one_log_line(client, caplog):
    client.force_login(CustomerFactory().user)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("contracts:staff_board"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "此页面不对您的账户开放" in html
    assert 'class="topbar"' in html and reverse("home") in html  # our layout, a way back
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /staff/reservations/"
    # The handler's filter drops the traceback of a refusal (applied when it is written out).
    from rental.core.errorpages import ClientErrorsWithoutTraceback

    ClientErrorsWithoutTraceback().filter(record)
    assert record.exc_info is None


def test_the_403_page_in_english(client):
    client.force_login(CustomerFactory().user)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("contracts:staff_board")).content.decode()

    assert "This page is not for your account" in html
    assert "Back to the home page" in html


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_ours_also_with_debug_on(client, settings, debug):
    settings.DEBUG = debug

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到这个页面" in html
    assert "Using the URLconf" not in html


def test_the_500_page_needs_no_request_context_and_speaks_the_active_language():
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Back to the home page" in response.content.decode()
