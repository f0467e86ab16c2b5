import pytest

from tests.conftest import screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_opens_the_home_page_switches_language_and_logs_in(phone_page):
    page = phone_page
    UserFactory(username="zhangwei", first_name="伟", last_name="张")

    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "按小时、天、周或月租用电脑"
    screenshot(page, "home-zh")

    page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "Rent computers by the hour, day, week or month"
    page.get_by_role("button", name="简体中文").click()

    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill("zhangwei")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    assert page.locator(".nav .who").inner_text() == "张伟"
    screenshot(page, "home-logged-in")
