import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_is_in_chinese_by_default(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "新思索租赁" in html
    assert "按小时、天、周或月租用电脑" in html


def test_home_page_in_english_after_switching_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Rent computers by the hour, day, week or month" in html
    assert "新思索租赁" not in html


def test_every_page_offers_the_language_switch(client):
    for url in [reverse("home"), reverse("accounts:login"), reverse("accounts:password_reset")]:
        html = client.get(url).content.decode()
        assert 'name="language" value="en"' in html, url
        assert 'name="language" value="zh-hans"' in html, url


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_technicians_land_on_their_tickets_and_others_cannot_open_them(client):
    from tests.factories import TechnicianFactory, UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("service_tickets:tech_list")).status_code == 403

    client.force_login(TechnicianFactory(first_name="建国", last_name="黄"))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("service_tickets:tech_list")
    assert "我的工单" in response.content.decode()
