"""Conditional GET for public reads: a strong ETag over the JSON body, 304 when it matches."""

from __future__ import annotations

import hashlib
import json

from rest_framework import status
from rest_framework.response import Response


class ETagMixin:
    """Adds an ETag to successful GET answers and answers 304 to a matching If-None-Match.

    The tag hashes the data as sent, so it changes with the content and with the language
    (names are localised), which `Vary: Accept-Language` tells caches.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if not isinstance(response, Response) or response.data is None:
            return response
        payload = json.dumps(response.data, sort_keys=True, default=str, ensure_ascii=False)
        etag = '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'
        response["ETag"] = etag
        response["Vary"] = "Accept-Language, Authorization, Cookie"
        wanted = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
        if etag in wanted or "*" in wanted:
            not_modified = Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
            return super().finalize_response(request, not_modified, *args, **kwargs)
        return response
