import pytest
from django.db import transaction

from rental.celery import app
from rental.core.models import Heartbeat
from rental.core.tasks import enqueue_on_commit, heartbeat
from tests.conftest import wait_for

pytestmark = pytest.mark.celery_worker


def test_a_real_worker_runs_a_task_enqueued_after_commit(celery_worker_process):
    with transaction.atomic():
        enqueue_on_commit(heartbeat, "from-test")
        # Nothing is sent before the transaction commits.
        assert not Heartbeat.objects.filter(name="from-test").exists()

    beat = wait_for(
        lambda: Heartbeat.objects.filter(name="from-test").first(),
        message="the worker never ran the heartbeat task",
    )
    assert beat.name == "from-test"


def test_a_rolled_back_transaction_enqueues_nothing(celery_worker_process):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(heartbeat, "rolled-back")
        raise RuntimeError("rollback")
    enqueue_on_commit(heartbeat, "after")

    wait_for(lambda: Heartbeat.objects.filter(name="after").exists())
    assert not Heartbeat.objects.filter(name="rolled-back").exists()


def test_celery_is_configured_for_safe_idempotent_tasks():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit == 300
    assert "core-heartbeat" in conf.beat_schedule
