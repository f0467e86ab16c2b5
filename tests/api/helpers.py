"""Calling the API as its clients do: JSON over HTTP through the whole middleware stack."""

from __future__ import annotations

import json

from django.test import Client

from rental.api import tokens


class Api:
    """A client for /api/v1/ with an optional bearer token and language."""

    def __init__(self, token: str | None = None, language: str | None = None):
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path: str, params=None, **headers):
        return self.client.get(self._url(path), params or {}, headers={**self.headers, **headers})

    def post(self, path: str, data=None, **headers):
        return self.client.post(
            self._url(path),
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def patch(self, path: str, data=None, **headers):
        return self.client.patch(
            self._url(path),
            json.dumps(data or {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def delete(self, path: str, **headers):
        return self.client.delete(self._url(path), headers={**self.headers, **headers})

    def upload(self, path: str, data: dict, **headers):
        """A multipart POST, as a browser or phone sends a file."""
        return self.client.post(self._url(path), data, headers={**self.headers, **headers})

    def request(self, method: str, path: str, data=None, multipart: bool = False):
        if multipart:
            return self.upload(path, data)
        if method == "GET":
            return self.get(path)
        if method == "DELETE":
            return self.delete(path)
        return getattr(self, method.lower())(path, data)


def token_for(user, *, device: str = "test", scopes=None) -> str:
    return tokens.token_issue(user=user, device=device, scopes=scopes)[1]


def api_for(user, **options) -> Api:
    return Api(
        token_for(user, **{k: v for k, v in options.items() if k != "language"}),
        language=options.get("language"),
    )


def png_file(name: str = "id.png", color=(30, 30, 200)):
    """A real PNG, made in memory, as an uploaded file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
