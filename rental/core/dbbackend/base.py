"""The postgresql backend, able to run a block as the tables' owner (see the package docstring)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db.backends.postgresql import base, creation

OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


class DatabaseCreation(creation.DatabaseCreation):
    # The test database is created, migrated and dropped by the owner, so it belongs to the owner
    # and the suite then proves that the app role's grants are enough.
    def create_test_db(self, *args, **kwargs):
        with self.connection.as_owner():
            from rental.core import dbroles

            dbroles.ensure_app_role(self.connection)
            return super().create_test_db(*args, **kwargs)

    def destroy_test_db(self, *args, **kwargs):
        with self.connection.as_owner():
            return super().destroy_test_db(*args, **kwargs)

    def _clone_test_db(self, *args, **kwargs):
        with self.connection.as_owner():
            return super()._clone_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owner_depth = 0

    @property
    def owner(self) -> dict | None:
        """The owner's login, or None when one login does everything (no DATABASE_OWNER_URL)."""
        return self.settings_dict.get("OWNER") or None

    @property
    def app_user(self) -> str:
        """The login the code runs as, also while a block runs as the owner."""
        return self.settings_dict.get("APP_USER") or self.settings_dict["USER"]

    @contextmanager
    def as_owner(self):
        """Run the block on a fresh connection as the owner; the app login is back afterwards."""
        if not self.owner or self._owner_depth:
            self._owner_depth += 1
            try:
                yield self
            finally:
                self._owner_depth -= 1
            return
        self.close()
        saved = {key: self.settings_dict.get(key) for key in OWNER_KEYS}
        self.settings_dict["APP_USER"] = saved["USER"]
        self.settings_dict.update({key: self.owner.get(key, saved[key]) for key in OWNER_KEYS})
        self._owner_depth = 1
        try:
            yield self
        finally:
            self._owner_depth = 0
            self.close()
            self.settings_dict.update(saved)
            self.settings_dict.pop("APP_USER", None)
