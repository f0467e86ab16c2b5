"""Our own 403/404/500 pages everywhere, and a refused request logged in one line.

Django renders templates/403.html, 404.html and 500.html itself when DEBUG is off. Under
`make run` (DEBUG on) it shows its technical 404 page instead, in English, to customers trying the
site; `OwnNotFoundPage` renders ours there too (the technical page is still one setting away:
DEBUG_TECHNICAL_404=True). `ClientErrorsWithoutTraceback` keeps a 403 or 404 to one log line: the
traceback of an expected refusal says nothing, and twice (Django's handler and the root's) is noise.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.views import defaults


class ClientErrorsWithoutTraceback(logging.Filter):
    """Drop the traceback from 4xx records of django.request; keep it for 5xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.request") and getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class OwnNotFoundPage:
    """With DEBUG on, replace Django's technical 404 page with ours (the one production shows)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not response.streaming
            and not getattr(settings, "DEBUG_TECHNICAL_404", False)
            and b"<title>Page not found at" in response.content[:2000]
        ):
            return defaults.page_not_found(request, exception=None)
        return response
