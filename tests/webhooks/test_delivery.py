"""Webhook delivery in-process against a real receiver on 127.0.0.1: the outbox follows the
transaction, the body is signed, redirects are not followed, only allowed hosts are contacted,
the retry pauses double until the window closes, and a finished delivery can be replayed."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from rental import webhooks
from rental.webhooks import services, signature
from rental.webhooks.models import AllowedHost, Attempt, Delivery, Event
from tests.factories import StaffFactory
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db

PAYLOAD = {"number": "R-000001", "total": "210.00"}


def _emit(event="reservation.created", payload=PAYLOAD):
    with transaction.atomic():
        return webhooks.emit(event=event, payload=payload)


def _deliver(event: Event) -> Attempt:
    return services.delivery_attempt(delivery_id=event.deliveries.get().pk)


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(receiver, endpoint_for):
    endpoint_for(receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks.emit(event="reservation.created", payload=PAYLOAD)
        raise RuntimeError("the reservation failed after all")

    assert not Event.objects.exists()
    assert not Delivery.objects.exists()
    assert services.deliveries_enqueue_due() == 0
    assert receiver.requests == []


def test_only_subscribed_active_endpoints_get_a_delivery(receiver, endpoint_for):
    subscribed = endpoint_for(receiver, events=["reservation.created", "ticket.opened"])
    endpoint_for(receiver, events=["ticket.opened"])
    endpoint_for(receiver, events=["reservation.created"], is_active=False)

    event = _emit()

    assert list(event.deliveries.values_list("endpoint", flat=True)) == [subscribed.pk]


def test_a_batch_of_events_gets_a_delivery_for_each_subscribed_endpoint(receiver, endpoint_for):
    tickets = endpoint_for(receiver, events=["ticket.breached"])
    both = endpoint_for(receiver, events=["ticket.breached", "ticket.at_risk"])
    endpoint_for(receiver, events=["ticket.at_risk"], is_active=False)

    with transaction.atomic():
        events = webhooks.emit_many(
            events=[
                ("ticket.breached", {"number": "B1"}),
                ("ticket.at_risk", {"number": "B2"}),
                ("ticket.breached", {"number": "B3"}),
            ]
        )

    assert [e.payload["number"] for e in events] == ["B1", "B2", "B3"]
    assert [Event.objects.get(pk=e.pk).payload for e in events] == [
        {"number": "B1"},
        {"number": "B2"},
        {"number": "B3"},
    ]
    assert {
        e.payload["number"]: sorted(e.deliveries.values_list("endpoint", flat=True))
        for e in Event.objects.all()
    } == {
        "B1": sorted([tickets.pk, both.pk]),
        "B2": [both.pk],
        "B3": sorted([tickets.pk, both.pk]),
    }


def test_the_body_is_signed_over_timestamp_and_body_and_the_attempt_is_logged(
    receiver, endpoint_for
):
    endpoint = endpoint_for(receiver)
    event = _emit()

    attempt = _deliver(event)

    (got,) = receiver.requests
    document = json.loads(got.body)
    assert document["id"] == str(event.uuid)
    assert document["type"] == "reservation.created"
    assert document["data"] == PAYLOAD
    assert got.headers["X-Rental-Event"] == "reservation.created"
    assert got.headers["X-Rental-Delivery"] == str(event.uuid)
    assert signature.verify(
        secret=endpoint.secret, body=got.body, header=got.headers[signature.HEADER]
    )
    assert not signature.verify(
        secret="another-secret-entirely", body=got.body, header=got.headers[signature.HEADER]
    )
    assert not signature.verify(
        secret=endpoint.secret, body=got.body + b" ", header=got.headers[signature.HEADER]
    )
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "success", 200)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.lease_until) == ("delivered", 1, None)


def test_an_old_signature_is_refused_by_the_check():
    body = b'{"id": "x"}'
    header = signature.sign(secret="k" * 20, body=body, timestamp=1_000_000)

    assert signature.verify(secret="k" * 20, body=body, header=header, now=1_000_100)
    assert not signature.verify(secret="k" * 20, body=body, header=header, now=1_000_400)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, endpoint_for):
    elsewhere = Receiver().start()
    try:
        endpoint_for(receiver)
        receiver.script = [("redirect", elsewhere.url)]
        event = _emit()

        attempt = _deliver(event)

        assert elsewhere.requests == []
    finally:
        elsewhere.stop()
    assert (attempt.outcome, attempt.status_code) == ("http_error", 302)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at > timezone.now()


def test_a_host_no_longer_allowed_is_never_contacted(receiver, endpoint_for):
    endpoint_for(receiver)
    event = _emit()
    AllowedHost.objects.all().delete()

    attempt = _deliver(event)

    assert receiver.requests == []
    assert attempt.outcome == "not_allowed"
    assert attempt.error == "主机 127.0.0.1 不在允许的推送主机名单中。"  # the system's language
    assert Delivery.objects.get().status == "failed"


def test_pauses_double_and_the_delivery_fails_once_the_window_is_over(
    receiver, endpoint_for, settings
):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 4 * 3600
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10, 20)] == [
        30,
        60,
        120,
        240,
        4 * 3600,
        4 * 3600,
    ]
    endpoint_for(receiver)
    receiver.script = [500, 500]
    event = _emit()

    _deliver(event)
    first = Delivery.objects.get()
    Delivery.objects.update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(hours=23, minutes=59)
    )
    _deliver(event)
    last = Delivery.objects.get()

    assert first.status == "pending"
    assert 29 <= (first.next_attempt_at - timezone.now()).total_seconds() <= 30
    assert (last.status, last.attempts, last.next_attempt_at) == ("failed", 2, None)
    assert [a.status_code for a in Attempt.objects.order_by("number")] == [500, 500]
    assert services.deliveries_due() == []


def test_a_failed_delivery_is_replayed_as_a_new_delivery_with_the_same_event_id(
    receiver, endpoint_for
):
    endpoint_for(receiver)
    receiver.script = [500]
    event = _emit()
    _deliver(event)
    original = Delivery.objects.get()
    Delivery.objects.filter(pk=original.pk).update(status="failed", next_attempt_at=None)
    original.refresh_from_db()

    replay = services.delivery_replay(delivery=original, by=StaffFactory())
    services.delivery_attempt(delivery_id=replay.pk)

    replay.refresh_from_db()
    assert (replay.status, replay.replay_of_id, replay.attempts) == ("delivered", original.pk, 1)
    assert [r.headers["X-Rental-Delivery"] for r in receiver.requests] == [str(event.uuid)] * 2


def test_a_pending_delivery_cannot_be_replayed(receiver, endpoint_for):
    endpoint_for(receiver)
    event = _emit()

    with pytest.raises(services.WebhookError):
        services.delivery_replay(delivery=event.deliveries.get(), by=None)

    assert Delivery.objects.count() == 1
