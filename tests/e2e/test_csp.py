"""The Content-Security-Policy holds in a real browser: every page each role can open (taken from
the URLconf and the permission matrix) loads with its scripts and styles working and without a
single CSP violation, and an injected inline script does not run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from rental.core.access import MATRIX, allowed
from tests.conftest import login
from tests.core.world import ANONYMOUS, ROLES, build_world, fill, routes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(
    e.violatedDirective + " " + (e.blockedURI || "inline") +
      " @" + e.sourceFile + ":" + e.lineNumber
  );
});
"""

# Pages that are not HTML a person reads (files, CSV) or that end the session.
NOT_PAGES = {
    "accounts:logout",
    "healthz",
    "contracts:contract_pdf",
    "contracts:desk_pdf",
    "contracts:desk_statement_csv",
    "contracts:document_file",
}


@pytest.fixture
def world(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return build_world()


def _pages_for(role: str, world) -> list[str]:
    user = world.users.get(role)
    urls = []
    for route in routes():
        if route.name in NOT_PAGES:
            continue
        rule_ = MATRIX[route.name]
        if role == ANONYMOUS:
            may = allowed(rule_, _Anonymous(), "GET")
        else:
            may = allowed(rule_, user, "GET")
        if may:
            urls.append(fill(route.route, world.values_for(route)))
    if role == "manager":
        urls += [
            "/console/",
            f"/console/catalog/equipmentmodel/{world.objects['model'].pk}/calendar/",
            "/console/catalog/asset/import/",
            "/console/catalog/asset/",
            "/console/api/apitoken/add/",
            "/console/webhooks/endpoint/add/",
        ]
    return urls


class _Anonymous:
    is_authenticated = False
    is_active = False


def test_no_page_of_any_role_breaks_the_content_security_policy(browser, live_server, world):
    violations: list[str] = []
    broken: list[str] = []  # HTML pages Chromium could not open
    visited = 0
    for role in ROLES:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        console: list[str] = []
        page.on(
            "console",
            lambda msg, console=console: (
                console.append(msg.text)
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
                else None
            ),
        )
        if role != ANONYMOUS:
            login(page, world.users[role].username)
        for url in _pages_for(role, world):
            # Ask first, with the same cookies: a POST-only action (405), a file or a JSON answer
            # is not a page, and navigating to Chromium's error page would spoil the next goto.
            probe = context.request.get(live_server.url + url)
            if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
                continue
            try:
                response = page.goto(live_server.url + url)
            except PlaywrightError as error:
                broken.append(f"{role} {url}: {str(error).splitlines()[0]}")
                continue
            if response is None or response.status != 200:
                broken.append(f"{role} {url}: {response.status if response else 'no answer'}")
                continue
            visited += 1
            assert "content-security-policy" in {k.lower() for k in response.headers}, url
            page.wait_for_load_state("load")
            found = page.evaluate("window.__csp")
            violations += [f"{role} {url}: {v}" for v in found]
            violations += [f"{role} {url}: {text}" for text in console]
            console.clear()
        context.close()
    print(f"\nCSP: {visited} pages opened in Chromium, {len(violations)} violations")
    assert violations == []
    assert broken == []


def test_an_injected_inline_script_is_blocked_and_our_scripts_still_work(page, world):
    login(page, world.users["front_desk"].username)
    page.goto(page.base_url + "/staff/reservations/")
    blocked = page.evaluate(
        """() => new Promise(resolve => {
            window.__ran = false;
            document.addEventListener("securitypolicyviolation", () => resolve(!window.__ran));
            const s = document.createElement("script");
            s.textContent = "window.__ran = true";
            document.body.appendChild(s);
            setTimeout(() => resolve(!window.__ran), 2000);
        })"""
    )
    assert blocked is True
    # page.js replaced the inline onchange: picking a day still reloads the board for that day.
    page.locator("input[name=day]").fill("2026-03-02")
    page.locator("input[name=day]").dispatch_event("change")
    page.wait_for_url("**day=2026-03-02**")
    assert "2026-03-02" in page.url
