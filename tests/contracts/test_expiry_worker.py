"""The expiry sweep through a real Celery worker, twice, and two sweeps racing; a new
reservation announced by the worker."""

import contextlib
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import CalendarEntry
from contracts import services, tasks
from contracts.models import Inspection, Reservation
from contracts.services import ReservationItem, ReservationRequest
from rental.core.models import AuditEvent, Heartbeat
from rental.core.tasks import heartbeat
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from tests.conftest import wait_for
from tests.factories import AssetFactory, CustomerFactory, EquipmentModelFactory


def _reserve(model, days=3):
    customer = CustomerFactory()
    start = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    return services.reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=[ReservationItem(model=model, quantity=1)],
            starts_at=start + timedelta(days=days),
            ends_at=start + timedelta(days=days + 2),
            fulfilment="collection",
            address=None,
            tier="basic",
        ),
        by=customer.user,
    )


def _expired_events() -> int:
    return AuditEvent.objects.filter(action="contracts.reservation.expired").count()


@pytest.mark.celery_worker
def test_the_worker_expires_unbooked_holds_and_no_shows_and_a_second_run_does_nothing(
    celery_worker_process,
):
    model = EquipmentModelFactory()
    AssetFactory.create_batch(4, model=model)
    unbooked, no_show, fresh = _reserve(model), _reserve(model), _reserve(model)
    Reservation.objects.filter(pk=unbooked.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    inspection = services.inspection_book(
        reservation=no_show,
        place="showroom",
        starts_at=(timezone.now() + timedelta(days=1))
        .astimezone(SHANGHAI)
        .replace(hour=10, minute=0, second=0, microsecond=0),
        by=None,
    )
    Inspection.objects.filter(pk=inspection.pk).update(
        starts_at=timezone.now() - timedelta(hours=3)
    )

    tasks.expire_reservations.delay()
    wait_for(lambda: _expired_events() == 2, message="the sweep did not expire both")

    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {unbooked.pk: "expired", no_show.pk: "expired", fresh.pk: "held"}
    assert Inspection.objects.get(pk=inspection.pk).status == Inspection.Status.MISSED
    assert CalendarEntry.objects.filter(is_active=True).count() == 1
    expiry_notices = Notification.objects.filter(event="reservation.expired").count()
    assert expiry_notices == 4  # e-mail and SMS to each of the two customers

    tasks.expire_reservations.delay()
    heartbeat.delay("after-second-sweep")  # the queue is FIFO on a solo worker
    wait_for(lambda: Heartbeat.objects.filter(name="after-second-sweep").exists())
    assert _expired_events() == 2
    assert Notification.objects.filter(event="reservation.expired").count() == expiry_notices


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_expire_each_reservation_exactly_once():
    model = EquipmentModelFactory()
    AssetFactory.create_batch(6, model=model)
    reservations = [_reserve(model) for _ in range(6)]
    Reservation.objects.update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(services.reservations_expire_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(results) == len(reservations)
    assert _expired_events() == len(reservations)
    assert not CalendarEntry.objects.filter(is_active=True).exists()


@pytest.mark.celery_worker
def test_the_worker_announces_new_reservations_once_and_a_rolled_back_one_never(
    celery_worker_process,
):
    model = EquipmentModelFactory()
    AssetFactory.create_batch(3, model=model)
    with contextlib.suppress(RuntimeError), transaction.atomic():
        _reserve(model)
        raise RuntimeError("the caller's transaction fails after the reservation")
    reservations = [_reserve(model) for _ in range(3)]  # one window's task announces them all

    def sent():
        notices = Notification.objects.filter(event="reservation.confirmed")
        return notices.count() == 6 and all(n.status == "sent" for n in notices)

    wait_for(sent, message="not every customer's e-mail and SMS were sent")
    assert not Reservation.objects.filter(announced_at__isnull=True).exists()
    # The sweep, after its grace, finds nothing more to tell.
    tasks.announce_reservations.delay()
    heartbeat.delay("after-announce-sweep")
    wait_for(lambda: Heartbeat.objects.filter(name="after-announce-sweep").exists())
    assert sorted(Notification.objects.values_list("key", "channel")) == sorted(
        (f"reservation:{r.pk}:confirmed", channel)
        for r in reservations
        for channel in ("email", "sms")
    )
    assert Reservation.objects.count() == 3


def _queued() -> int:
    """Messages waiting in the suite's queue of the real broker (Redis, or the file broker)."""
    from celery import current_app
    from django.conf import settings

    with current_app.connection_for_write() as conn:
        queue = conn.default_channel.queue_declare(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        return queue.message_count


@pytest.mark.django_db(transaction=True)
def test_reservations_committed_in_one_window_send_one_announcing_task(monkeypatch):
    """A reservation page sends no broker message of its own: the first reservation of a window
    sends the announcing task, due after the window, and the others ride on it."""
    from contracts.services import reservations

    monkeypatch.setattr(reservations, "ANNOUNCE_WINDOW_SECONDS", 2)
    model = EquipmentModelFactory()
    AssetFactory.create_batch(4, model=model)
    before = _queued()

    for _ in range(3):
        _reserve(model)
    in_one_window = _queued() - before
    time.sleep(2.1)
    _reserve(model)

    assert in_one_window == 1
    assert _queued() - before == 2
    assert Reservation.objects.filter(announced_at__isnull=True).count() == 4
