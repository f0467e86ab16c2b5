"""Webhooks through real Celery workers to a real receiver on 127.0.0.1: a receiver that fails
twice then succeeds gets the event on the third try; a worker SIGKILLed while the receiver holds
the request loses nothing, and the event is acknowledged once."""

import time

import pytest
from django.db import transaction

from rental import webhooks
from rental.core.models import Heartbeat
from rental.core.tasks import heartbeat
from rental.webhooks import tasks
from rental.webhooks.models import Attempt, Delivery
from tests.conftest import wait_for

pytestmark = pytest.mark.celery_worker


def _emit():
    with transaction.atomic():
        return webhooks.emit(event="payment.recorded", payload={"amount": "300.00"})


def _drain(name: str) -> None:
    heartbeat.delay(name)
    wait_for(lambda: Heartbeat.objects.filter(name=name).exists(), message=f"no {name}")


def test_a_receiver_failing_twice_gets_the_event_on_the_third_try(
    webhook_workers, receiver, endpoint_for
):
    endpoint_for(receiver, events=["payment.recorded"])
    receiver.script = [500, 503]
    webhook_workers()

    event = _emit()
    wait_for(
        lambda: Delivery.objects.filter(status="delivered").exists(),
        timeout=30,
        message="never delivered",
    )

    attempts = list(Attempt.objects.order_by("number"))
    assert [(a.number, a.outcome, a.status_code) for a in attempts] == [
        (1, "http_error", 500),
        (2, "http_error", 503),
        (3, "success", 200),
    ]
    # The pauses double: 0.5 s, then 1 s (base 0.5 s in these workers).
    assert (attempts[1].started_at - attempts[0].finished_at).total_seconds() >= 0.5
    assert (attempts[2].started_at - attempts[1].finished_at).total_seconds() >= 1.0
    assert [r.answered for r in receiver.requests] == [500, 503, 200]
    assert {r.headers["X-Rental-Delivery"] for r in receiver.requests} == {str(event.uuid)}
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_event_is_acknowledged_once(
    webhook_workers, receiver, endpoint_for
):
    endpoint_for(receiver, events=["payment.recorded"])
    receiver.script = ["hang"]
    doomed = webhook_workers()

    event = _emit()
    assert receiver.arrived.wait(30), "the worker never sent"
    doomed.kill()
    receiver.release.set()

    # The claim was committed before sending: the delivery waits, leased to the dead worker.
    delivery = Delivery.objects.get()
    assert delivery.status == "sending"
    assert list(Attempt.objects.values_list("outcome", flat=True)) == ["sending"]

    webhook_workers()
    time.sleep(max(0.0, (delivery.lease_until - event.created_at).total_seconds() - 1))
    wait_for(
        lambda: (
            tasks.webhooks_deliver_due.delay()
            and False
            or Delivery.objects.filter(status="delivered").exists()
        ),
        timeout=30,
        interval=1,
        message="the fresh worker did not take over",
    )
    tasks.webhooks_deliver_due.delay()  # what beat sends a minute later: nothing left to do
    _drain("after-webhook-recovery")

    assert [(a.number, a.outcome, a.status_code) for a in Attempt.objects.order_by("number")] == [
        (1, "interrupted", None),
        (2, "success", 200),
    ]
    assert len(receiver.answered(200)) == 1
    assert [r.answered for r in receiver.requests] == [None, 200]
    assert {r.headers["X-Rental-Delivery"] for r in receiver.requests} == {str(event.uuid)}
    assert Delivery.objects.get().attempts == 2
