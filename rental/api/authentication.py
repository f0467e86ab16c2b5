"""How API requests say who they are: a bearer token, or our own pages' session with CSRF."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import tokens


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer xss_…`. The token's scopes end up in `request.auth.scopes`."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token after 'Bearer ', nothing else.")
            )
        try:
            plain = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        token = tokens.token_authenticate(plain)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, expired or revoked."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword


class SessionAuthentication(authentication.SessionAuthentication):
    """The logged-in session of our own pages; writes need the CSRF token as the pages send it."""
