"""Settings for the notification tests' Celery worker: the test settings, plus mail written to
files the test reads (locmem does not cross processes) and the flaky SMS backend."""

import os

from rental.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["NOTIFICATIONS_TEST_MAIL_DIR"]
NOTIFICATIONS_SMS_BACKEND = "tests.notifications.flaky.FlakySmsBackend"
NOTIFICATIONS_RETRY_BACKOFF_SECONDS = 1

# A test that kills a worker mid-task sets this, so that a fresh worker is handed the unfinished
# task within seconds instead of the hour a real deployment waits.
if os.environ.get("NOTIFICATIONS_TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ["NOTIFICATIONS_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
