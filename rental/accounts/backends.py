"""The login backend: Django's, with the signed-in user of every request read by one written-out
query (`rental.core.rows`) rather than a query the ORM builds anew each time."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from rental.core import rows

from .models import User

_USER = "SELECT {columns} FROM {user} u WHERE u.id = %s"


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        found = rows.read(User, _USER, [user_id], alias="u", user=User)
        if not found:
            return None
        user = found[0][0]
        return user if self.user_can_authenticate(user) else None
