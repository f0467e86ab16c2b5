"""Settings for the test suite: the same real PostgreSQL and broker, faster password hashing."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test run gets its own queue so a worker left over from another run never steals its tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="rental-test")
# Lets several checkouts or people run the suite on one server at once.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="") or None}  # noqa: F405

# One login given (DATABASE_URL only, as on a developer's server): it becomes the owner, and the
# code runs as the role rental_test_app (created on first use, no password: a trusting server), so
# the suite proves the app role's grants whatever it is given. Set DATABASE_OWNER_URL to choose.
if env.str("DATABASE_URL", default="") and not env.str("DATABASE_OWNER_URL", default=""):
    from urllib.parse import urlsplit, urlunsplit

    _default = DATABASES["default"]  # noqa: F405
    _default["OWNER"] = {key: _default[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
    _default.update(USER="rental_test_app", PASSWORD="", CREATE_APP_ROLE=True)
    DATABASE_OWNER_URL = DATABASE_URL  # noqa: F405
    _parts = urlsplit(DATABASE_OWNER_URL)
    _host = _parts.netloc.rpartition("@")[2]
    DATABASE_URL = urlunsplit(_parts._replace(netloc=f"rental_test_app@{_host}"))

# Rate-limit counters must not outlive a test (nor be shared with other runs on one Redis).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
