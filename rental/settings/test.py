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
# Rate-limit counters must not outlive a test (nor be shared with other runs on one Redis).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
