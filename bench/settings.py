"""Settings of the server the HTTP benchmarks start: production-like, on a database of their own.

The database comes from DATABASE_URL, which the benchmark points at its own database before it
starts gunicorn. Notifications are recorded as in production but enqueued to Celery's in-memory
broker, so nothing is delivered and no worker of another run picks them up.
"""

from rental.settings.test import *  # noqa: F403
from rental.settings.test import DATABASES, MIDDLEWARE, env

DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [
    "bench.urls.process_tag",
    *(
        "bench.urls.BenchAccessMiddleware" if m == "rental.core.access.AccessMiddleware" else m
        for m in MIDDLEWARE
    ),
]
# The benchmarks create, fill and reset databases of their own: one login, the owner's (the app
# role's privileges are the test suite's business, tests/core/test_db_guards.py). A copy: the test
# suite imports this module (tests/core/test_bench_floors.py) and must keep its own settings.
DATABASES = {**DATABASES, "default": dict(DATABASES["default"])}
if _owner := DATABASES["default"].pop("OWNER", None):
    DATABASES["default"].update(_owner)
DATABASES["default"].pop("CREATE_APP_ROLE", None)
# Persistent connections, as in production.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT = None  # the URL's own, not the file broker base.py may have chosen
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_TASK_DEFAULT_QUEUE = "rental-bench"
# The cache (and with it the sessions) in Redis when there is one, as in production; the test
# settings' per-process memory cache would make a session read cheaper than it is.
from rental.settings.base import _REDIS_URL  # noqa: E402

if _REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "rental.core.cache.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": "rental-bench" + env.str("BENCH_DB_SUFFIX", default=""),
        }
    }
