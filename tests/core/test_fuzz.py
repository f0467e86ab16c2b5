"""No input reaches a server error: a fuzz test generated from the URLconf and the pages.

For every named URL (and our own console pages) and every role, it opens the page with the seeded
world's valid ids and with malformed path values; sends a corpus of malformed values in every
query parameter the view reads (found in its module's source) and every field of the GET forms
on the page; and for every form the pages show (found by parsing their HTML), posts the form with
each field in turn replaced by each malformed value, and with the field repeated. Any 5xx, or an
exception escaping a view, fails the test with the request that caused it. A new view, form or
parameter is covered without anyone adding it here.

The figures (requests tried, 5xx found) are printed; keep the corpus bounded, the suite runs twice
in CI.
"""

from __future__ import annotations

import inspect
import logging
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest

from rental.core.access import MATRIX, allowed
from tests.core.world import (
    ANONYMOUS,
    ROLES,
    Route,
    build_world,
    fill,
    isolated,
    png_upload,
    routes,
)

pytestmark = pytest.mark.django_db

# Malformed values a careless user or an attacker sends.
CORPUS = (
    "\x00",
    "x" * 10_000,
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9999-12",
    "-1",
    "9" * 30,
    "-" + "9" * 30,
    "1e999",
    "25:61",
    "😀🏠",
    "<script>alert(1)</script>",
    "' OR '1'='1'; --",
    "",
)
# Query parameters get the values that break parsing; form fields get the whole corpus.
QUERY_CORPUS = (
    "\x00",
    "x" * 10_000,
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9999-12",
    "-" + "9" * 30,
    "😀🏠",
    "' OR '1'='1'; --",
)
# The other roles that may open a page get a shorter corpus: the same view, another user.
SHORT_CORPUS = ("x" * 10_000, "9999-12-31")
PATH_CORPUS = ("%00", "x" * 300, "-1", "9" * 30, "%F0%9F%98%80")

_PARAM_RE = re.compile(r"""\.GET(?:\.get|\.getlist)?[\(\[]\s*["'](\w+)["']""")
_POST_RE = re.compile(r"""\.POST(?:\.get|\.getlist)?[\(\[]\s*["'](\w+)["']""")
# Values for fields a view reads from request.POST directly, with no form on any page.
POST_CORPUS = ("\x00", "x" * 10_000, "-" + "9" * 30, "9999-12-31")


class _Forms(HTMLParser):
    """The forms of a page: action, method and their fields with the values the page gives."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": {},
                "files": set(),
                "last": {},  # each select's last option: the edge (23:00, the last unit)
            }
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            return
        fields = self._form["fields"]
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form["files"].add(name)
            elif kind in ("checkbox", "radio"):
                if name not in fields or "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if not fields[self._select] or "selected" in a:
                fields[self._select] = a.get("value", "")
            self._form["last"][self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _source(route: Route) -> str:
    module = sys.modules.get(getattr(route.callback, "__module__", ""), None)
    if module is None or module.__name__.startswith("django."):
        return ""
    return inspect.getsource(module)


def _query_params(route: Route) -> set[str]:
    return set(_PARAM_RE.findall(_source(route)))


def _post_params(route: Route) -> set[str]:
    return set(_POST_RE.findall(_source(route)))


def _ours(route: Route) -> bool:
    """Our pages, and the console pages we wrote ourselves (Django's admin is Django's)."""
    if not route.name.startswith("admin:"):
        return True
    return not getattr(route.callback, "__module__", "django.").startswith("django.")


class Fuzzer:
    def __init__(self, client, world):
        self.client = client
        self.world = world
        self.tried = 0
        self.failures: list[str] = []
        self.statuses: Counter = Counter()
        self.forms: dict[tuple, tuple[str, dict]] = {}

    def send(self, method: str, url: str, data=None, role: str = "") -> object | None:
        self.tried += 1
        try:
            if method == "GET":
                response = isolated(lambda: self.client.get(url))
            else:
                response = isolated(lambda: self.client.post(url, data or {}))
        except Exception as exc:  # the test client re-raises what a view let escape
            self._fail(role, method, url, data, f"{type(exc).__name__}: {str(exc)[:200]}")
            return None
        self.statuses[response.status_code // 100] += 1
        if response.status_code >= 500:
            self._fail(role, method, url, data, f"HTTP {response.status_code}")
        return response

    def _fail(self, role, method, url, data, what):
        shown = {
            k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
            for k, v in (data or {}).items()
        }
        self.failures.append(f"{role:10} {method:4} {url[:160]} {shown if data else ''} → {what}")

    def page(self, role: str, route: Route, *, full: bool) -> None:
        values = self.world.values_for(route)
        url = fill(route.route, values)
        response = self.send("GET", url, role=role)
        corpus = QUERY_CORPUS if full else SHORT_CORPUS
        get_fields: set[str] = set()
        if (
            response is not None
            and response.status_code == 200
            and "html" in response.get("Content-Type", "")
        ):
            parser = _Forms()
            parser.feed(response.content.decode("utf-8", "replace"))
            for form in parser.forms:
                action = urlsplit(form["action"]).path or url
                if form["method"] == "get":
                    get_fields |= set(form["fields"])
                elif action.startswith("/"):
                    key = (action, tuple(sorted(form["fields"])), tuple(sorted(form["files"])))
                    self.forms.setdefault(key, (role, form))
        for param in route.params:
            for bad in PATH_CORPUS if full else PATH_CORPUS[:1]:
                self.send("GET", fill(route.route, {**values, param: bad}), role=role)
        for name in sorted(_query_params(route) | get_fields):
            for bad in corpus:
                self.send("GET", f"{url}?{urlencode({name: bad})}", role=role)
            if full:
                pair = [(name, "1"), (name, "2026-02-30")]
                self.send("GET", f"{url}?{urlencode(pair)}", role=role)
        self.send("POST", url, {}, role=role)
        if full:
            for name in sorted(_post_params(route)):
                for bad in POST_CORPUS:
                    self.send("POST", url, {name: bad}, role=role)

    def post_forms(self, login) -> None:
        for (action, _names, files), (role, form) in self.forms.items():
            login(role)
            base = dict(form["fields"])
            for name in files:
                base[name] = None
            for field in [*form["fields"], *files]:
                for bad in CORPUS:
                    data = {**base, field: bad}
                    self._post(action, data, files, role)
                self._post(action, {**base, field: [base.get(field) or "1", "-1"]}, files, role)
            # Every text field at once at the corpus value, every select at its last option:
            # the combinations one field at a time never reaches (year 9999 *and* 23:00).
            edge = {**base, **form["last"]}
            texts = [
                f for f in form["fields"] if f not in form["last"] and f != "csrfmiddlewaretoken"
            ]
            for bad in CORPUS:
                self._post(action, {**edge, **dict.fromkeys(texts, bad)}, files, role)
            self._post(action, base, files, role)

    def _post(self, action, data, files, role):
        data = dict(data)
        for name in files:
            if data.get(name) is None:
                data[name] = png_upload()
        self.send("POST", action, data, role=role)


def test_no_malformed_request_reaches_a_server_error(client, settings, tmp_path, capsys):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    world = build_world()
    fuzzer = Fuzzer(client, world)
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.CRITICAL

    def login(role: str) -> None:
        client.logout()
        if role != ANONYMOUS:
            client.force_login(world.users[role])

    try:
        covered: set[str] = set()
        all_routes = [r for r in routes(console=True) if _ours(r)]
        for role in ROLES:
            login(role)
            user = world.users.get(role)
            for route in all_routes:
                if route.name == "accounts:logout":
                    continue
                rule_ = MATRIX.get(route.name)
                may = rule_ is None or (user is not None and allowed(rule_, user, "GET"))
                if rule_ is not None and role == ANONYMOUS:
                    may = allowed(rule_, _Anonymous(), "GET")
                if route.name.startswith("admin:"):
                    may = role == "manager"
                if may:
                    fuzzer.page(role, route, full=route.name not in covered)
                    covered.add(route.name)
                else:
                    fuzzer.send("GET", fill(route.route, world.values_for(route)), role=role)
                login(role)  # a page may have logged out or rotated the session
        fuzzer.post_forms(login)
    finally:
        quiet.level = level

    print(
        f"\nfuzz: {fuzzer.tried} requests tried on {len(covered)} URLs and "
        f"{len(fuzzer.forms)} forms, {len(fuzzer.failures)} server errors; "
        f"by status class: {dict(sorted(fuzzer.statuses.items()))}"
    )
    for line in fuzzer.failures[:300]:
        print(line)
    assert fuzzer.failures == []


class _Anonymous:
    is_authenticated = False
    is_active = False
