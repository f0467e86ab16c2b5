"""Six months of the demo company's life, made by the real services on a controllable clock.

Every reservation, inspection, contract, handover, extension, return, deposit movement, payment,
ticket and trip below goes through the service staff and customers use, at the moment it would
have happened (`clock_at`), so the reports, the board and every page read history exactly as
production writes it. A seeded random generator makes every run the same company, counted back
from the day it is loaded; the work of the coming days (holds, inspections, trips, rentals due
back or overdue, open tickets, documents to review) is left open for the Today board.
"""

from __future__ import annotations

import contextlib
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count

from catalog.models import EquipmentModel
from contracts import services as contracts
from contracts.models import Contract, Customer, Reservation
from contracts.services.distance import contract_confirm_distance, distance_needs_confirming
from rental.accounts.models import User
from rental.core.errors import ApplicationError
from rental.core.periods import midnight
from rental.core.timeutil import local
from service_tickets import services as tickets
from service_tickets.selectors import fee_quote
from service_tickets.services.billing import ticket_bill

from .clock import clock_at

SEED = 20260601
DAYS = 183
# Customers who rent from the demo company (besides the two demo logins).
COMPANIES = [
    ("厦门鹭岛会议服务有限公司", "0592-5123401", "siming", "思明区湖滨南路 388 号", "5.0"),
    ("厦门软件园培训中心", "0592-5123402", "siming", "思明区软件园二期望海路 10 号", "8.0"),
    ("厦门海沧港务物流有限公司", "0592-5123403", "haicang", "海沧区港南路 66 号", "21.0"),
    ("厦门集美大学继续教育学院", "0592-5123404", "jimei", "集美区银江路 185 号", "19.0"),
    ("厦门湖里创业孵化器", "0592-5123405", "huli", "湖里区岐山路 2 号", "7.0"),
    ("漳州开发区展览有限公司", "0596-6123406", "zhangzhou", "漳州开发区招商大厦 5 楼", "46.0"),
    ("泉州晋江测试实验室", "0595-22123407", "quanzhou", "晋江市世纪大道 800 号", "88.0"),
    ("厦门思明区社区服务中心", "0592-5123408", "siming", "思明区中山路 120 号", "3.5"),
]
INDIVIDUALS = [
    ("李娜", "13860000101", "huli", "湖里区江头北路 21 号", "6.5"),
    ("王磊", "13860000102", "siming", "思明区莲前东路 77 号", "4.0"),
    ("陈静", "13860000103", "jimei", "集美区杏林湾路 5 号", "18.0"),
    ("刘洋", "13860000104", "siming", "思明区厦禾路 900 号", "3.0"),
    ("黄敏", "13860000105", "tongan", "同安区环城南路 12 号", "32.0"),
    ("周杰", "13860000106", "huli", "湖里区五缘湾道 3 号", "9.0"),
]
LENGTHS = [  # hours, weight
    (5, 2),
    (8, 2),
    (24, 4),
    (48, 5),
    (72, 4),
    (24 * 7, 4),
    (24 * 14, 2),
    (24 * 30, 2),
]
PROBLEMS = [
    ("hardware", "笔记本无法开机，电源指示灯不亮。"),
    ("hardware", "投影仪画面偏色，灯泡报警。"),
    ("software", "Office 无法激活，提示许可证错误。"),
    ("software", "无法连接会场的无线网络。"),
    ("hardware", "打印机卡纸，进纸器有异响。"),
]


@dataclass
class Cast:
    desk: User  # front desk: bookings, inspections, contracts, returns
    finance: User
    technicians: list[User]
    customers: list[Customer]


def build(*, now: datetime, cast: Cast, bar=None, days: int = DAYS) -> dict[str, int]:
    """The history up to `now`, then the open work of the coming days; `bar`: a tqdm bar."""
    rng = random.Random(SEED)
    anchor = midnight(local(now).date())
    models = list(
        EquipmentModel.objects.annotate(n=Count("assets")).filter(n__gte=4).order_by("pk")
    )
    plans = _plans(rng, anchor, cast.customers, models, days=days)
    done = {"rentals": len(plans), "contracts": 0}
    if bar is not None:
        bar.total = len(plans)
        bar.refresh()
    for plan in plans:
        with transaction.atomic():
            contract = _rental(rng, plan, cast, now)
        if contract is not None:
            done["contracts"] += 1
        if bar is not None:
            bar.update(1)
    return done


@dataclass
class Plan:
    customer: Customer
    items: list[tuple[EquipmentModel, int]]
    booked_at: datetime
    starts_at: datetime
    ends_at: datetime
    tier: str
    delivery: bool
    outcome: str  # "all", "some", "declined", "expired"
    extend_hours: int
    late_hours: int
    damaged: bool
    ticket: str | None  # None, "met", "late"
    pays: bool


def _plans(rng: random.Random, anchor: datetime, customers, models, *, days: int) -> list[Plan]:
    plans = []
    day = anchor - timedelta(days=days)
    while day < anchor + timedelta(days=3):
        # Two or three rentals start every three days, more in autumn's conference season.
        recent = day > anchor - timedelta(days=16)
        for _ in range(rng.choice((1, 2)) if recent else rng.choice((1, 1, 2))):
            start = day + timedelta(hours=rng.choice((9, 10, 13, 14)))
            hours = rng.choices([h for h, _ in LENGTHS], [w for _, w in LENGTHS])[0]
            customer = rng.choice(customers)
            tier = (
                "basic"
                if customer.kind == "individual" and rng.random() < 0.5
                else (rng.choice(("value_added", "rapid", "rapid")))
            )
            picked = rng.sample(models, k=rng.choice((1, 1, 2)))
            plans.append(
                Plan(
                    customer=customer,
                    items=[(m, rng.choice((1, 1, 2, 3))) for m in picked],
                    booked_at=start - timedelta(days=2, hours=rng.randint(1, 5)),
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    tier=tier,
                    delivery=customer.kind == "company" or rng.random() < 0.3,
                    outcome=rng.choices(("all", "some", "declined", "expired"), (82, 8, 5, 5))[0],
                    extend_hours=24 if rng.random() < 0.12 and hours >= 24 else 0,
                    late_hours=rng.choice((2, 5, 20, 40)) if rng.random() < 0.18 else 0,
                    damaged=rng.random() < 0.06,
                    ticket=rng.choices(
                        (None, "met", "late", "open"), (60, 20, 6, 14 if recent else 0)
                    )[0],
                    pays=rng.random() < 0.93,
                )
            )
        day += timedelta(days=1 if recent else 4)
    return plans


def _rental(rng: random.Random, plan: Plan, cast: Cast, now: datetime) -> Contract | None:
    desk = cast.desk
    if plan.booked_at >= now:
        return None
    address = plan.customer.addresses.first() if plan.delivery else None
    with clock_at(plan.booked_at):
        request = contracts.ReservationRequest(
            customer=plan.customer,
            items=tuple(contracts.ReservationItem(model=m, quantity=q) for m, q in plan.items),
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            fulfilment="delivery" if plan.delivery else "collection",
            address=address,
            tier=plan.tier,
        )
        try:
            reservation = contracts.reservation_create(request=request, by=desk)
        except ApplicationError:
            return None  # fully booked that week: the customer went elsewhere
    if plan.outcome == "expired":
        expiry = reservation.hold_expires_at + timedelta(minutes=5)
        if expiry < now:
            contracts.reservation_expire(reservation_id=reservation.pk, now=expiry)
        return None
    slot = midnight(local(plan.starts_at - timedelta(days=1)).date()) + timedelta(hours=10)
    place = "site" if plan.delivery and rng.random() < 0.4 else "showroom"
    with clock_at(plan.booked_at + timedelta(minutes=20)):
        inspection = contracts.inspection_book(
            reservation=reservation,
            place=place,
            starts_at=slot if place == "showroom" else None,
            by=desk,
        )
        contracts.inspection_confirm(inspection=inspection, by=desk)
    seen_at = inspection.starts_at + timedelta(minutes=40)
    if seen_at >= now:
        return None  # the inspection is still to come: on the board
    with clock_at(seen_at):
        held = list(reservation.lines.values_list("units__pk", flat=True).order_by("units__pk"))
        if plan.outcome == "declined":
            contracts.inspection_record_outcome(
                reservation=reservation,
                accepted_unit_ids=[],
                reason="客户认为配置不符合需要",
                by=desk,
            )
            return None
        accepted = held if plan.outcome == "all" or len(held) == 1 else held[: len(held) - 1]
        contract = contracts.inspection_record_outcome(
            reservation=reservation, accepted_unit_ids=accepted, by=desk
        )
        place_signed = "delivery" if place == "site" else "office"
    sign_at = plan.starts_at if place == "site" else seen_at + timedelta(minutes=20)
    with clock_at(sign_at):
        if distance_needs_confirming(contract):
            # The desk checks the road distance on the map before signing, as staff must.
            contract = contract_confirm_distance(
                contract=contract, distance_km=contract.distance_km, by=desk
            )
        contract = contracts.contract_sign(
            contract=contract, by=desk, place=place_signed, store_pdf=False
        )
    driver = rng.choice(cast.technicians)
    if plan.delivery and place == "showroom":
        _trip(contract, "delivery", plan.starts_at, driver, desk, now, scheduled_at=sign_at)
    if plan.starts_at >= now:
        return contract
    with clock_at(plan.starts_at + timedelta(minutes=30)):
        for unit in contract.units.select_related("asset"):
            contracts.contract_handover_scan(
                contract=contract, asset_tag=unit.asset.asset_tag, by=desk
            )
    ends_at = plan.ends_at
    if plan.extend_hours:
        halfway = plan.starts_at + (plan.ends_at - plan.starts_at) / 2
        if halfway < now:
            ends_at = plan.ends_at + timedelta(hours=plan.extend_hours)
            with clock_at(halfway):
                contract = contracts.contract_extend(contract=contract, ends_at=ends_at, by=desk)
    if plan.ticket:
        _repair(rng, contract, plan, cast, now)
    returned_at = ends_at + timedelta(hours=plan.late_hours)
    if plan.delivery:
        pickup = ends_at - timedelta(hours=1)
        _trip(
            contract, "pickup", pickup, driver, desk, now, scheduled_at=ends_at - timedelta(days=1)
        )
    if returned_at >= now:
        return contract  # out now, or overdue: on the board
    with clock_at(returned_at):
        for n, unit in enumerate(contract.units.select_related("asset")):
            damaged = plan.damaged and n == 0
            contracts.contract_return_unit(
                contract=contract,
                asset_tag=unit.asset.asset_tag,
                condition="damaged" if damaged else "good",
                damage_amount=Decimal(rng.choice((150, 300, 600))) if damaged else Decimal(0),
                notes="外壳破裂" if damaged else "",
                missing_accessories=[],
                by=desk,
            )
    settle_at = returned_at + timedelta(hours=2)
    if settle_at >= now:
        return contract
    with clock_at(settle_at):
        owed = contracts.contract_statement(contract=contract).balance
        if owed > 0 and plan.pays:
            contracts.payment_record(
                contract=contract,
                amount=owed,
                method=rng.choice(("wechat", "alipay", "bank", "cash")),
                by=cast.finance,
            )
        contract.refresh_from_db()
        # Still owed after the deposit: it stays returned, a debt on the board.
        with contextlib.suppress(ApplicationError):
            contracts.contract_close(
                contract=contract,
                by=cast.finance,
                refund_method="bank",
                refund_reference=f"DEMO-{contract.number}",
            )
    return contract


def _trip(contract, kind, when, driver, desk, now, *, scheduled_at) -> None:
    if scheduled_at >= now or scheduled_at >= when:
        return
    with clock_at(scheduled_at):
        trip = tickets.trip_schedule(contract=contract, kind=kind, scheduled_for=when, by=desk)
        tickets.ticket_assign(ticket=trip, technician=driver, by=desk)
    if when - timedelta(minutes=10) >= now:
        return  # still to drive: on the board
    with clock_at(when - timedelta(minutes=10)):
        tickets.ticket_arrive(ticket=trip, by=driver)
    with clock_at(when + timedelta(minutes=20)):
        tickets.ticket_resolve(
            ticket=trip,
            by=driver,
            notes="已送达并交接" if kind == "delivery" else "已取回",
            units=[u.asset for u in contract.units.select_related("asset")],
        )
        trip = tickets.ticket_close(ticket=trip, by=driver, fee=fee_quote(trip).low)
        ticket_bill(ticket_id=trip.pk)


def _repair(rng, contract, plan: Plan, cast: Cast, now: datetime) -> None:
    if plan.ticket == "open":  # a call this afternoon, not yet answered: on the board
        called = now - timedelta(minutes=rng.choice((25, 70, 140, 230)))
    else:
        called = plan.starts_at + (plan.ends_at - plan.starts_at) * 0.3
        called = called.replace(minute=rng.choice((5, 17, 33, 48)), second=0, microsecond=0)
    if called >= now or called <= plan.starts_at:
        return
    kind, text = rng.choice(PROBLEMS)
    unit = contract.units.select_related("asset").first().asset
    technician = rng.choice(cast.technicians)
    with clock_at(called):
        ticket = tickets.ticket_open_by_staff(
            contract=contract,
            asset=unit,
            kind=kind,
            description=text,
            by=cast.desk,
            address=contract.address or contract.customer.addresses.first(),
        )
        if ticket.deadline is None:  # basic tier: staff set one by hand
            ticket = tickets.ticket_set_deadline(
                ticket=ticket, deadline=called + timedelta(hours=8), by=cast.desk
            )
    if plan.ticket == "open" and rng.random() < 0.5:
        return  # nobody assigned yet
    with clock_at(min(called + timedelta(minutes=12), now)):
        ticket = tickets.ticket_assign(ticket=ticket, technician=technician, by=cast.desk)
    if plan.ticket == "open":
        return
    window = ticket.deadline - called
    if plan.ticket == "met":
        arrive = called + window * rng.uniform(0.35, 0.9)
    else:
        arrive = ticket.deadline + timedelta(minutes=rng.choice((10, 25, 50, 95)))
    if arrive >= now:
        return  # still on its way: on the board with its countdown
    with clock_at(arrive):
        ticket = tickets.ticket_arrive(ticket=ticket, by=technician)
    with clock_at(arrive + timedelta(minutes=rng.choice((40, 75, 130)))):
        ticket = tickets.ticket_resolve(
            ticket=ticket, by=technician, notes="已排除故障，设备恢复正常。", units=[unit]
        )
        ticket = tickets.ticket_close(ticket=ticket, by=technician, fee=fee_quote(ticket).low)
        ticket_bill(ticket_id=ticket.pk)


def customers(*, now: datetime) -> list[Customer]:
    """The demo company's customers, each registered on the day they first called."""
    from stdnum.cn import ric, uscc

    made = []
    rng = random.Random(SEED + 1)
    people = [("company", *row) for row in COMPANIES] + [
        ("individual", *row) for row in INDIVIDUALS
    ]
    for n, (kind, name, phone, district, line, km) in enumerate(people):
        existing = Customer.objects.filter(name=name).first()
        if existing:
            made.append(existing)
            continue
        joined = now - timedelta(days=DAYS + 10 - n * 17, hours=rng.randint(0, 8))
        fields: dict = {}
        if kind == "company":
            body = f"9135020{n:02d}MA2XK{n:03d}"[:17]
            fields = {
                "credit_code": body + uscc.calc_check_digit(body),
                "legal_representative": "陈" + "明华建国丽娟"[n % 6],
                "contact_person": "林" + "晓敏海峰"[n % 4],
            }
        else:
            body = f"350203{1985 + n % 10}{1 + n % 9:02d}{1 + n % 27:02d}{100 + n:03d}"
            fields = {"resident_id": body + ric.calc_check_digit(body + "0")}
        with clock_at(joined):
            customer = contracts.customer_create(
                kind=kind, name=name, phone=phone, email=f"c{n}@example.com", user=None, **fields
            )
            contracts.address_add(customer=customer, district=district, line=line, distance_km=km)
            if kind == "company" and n % 3 != 2:
                # Documents verified at the counter: no deposit (免押金).
                Customer.objects.filter(pk=customer.pk).update(
                    licence_verified_at=joined, representative_id_verified_at=joined
                )
        made.append(customer)
    return made


def documents_to_review(*, customer: Customer, now: datetime) -> None:
    """A customer uploads a copy of their ID this morning: it waits in the review queue."""
    from PIL import Image

    if customer.documents.exists():
        return
    image = Image.new("RGB", (640, 400), (236, 240, 246))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    with clock_at(now - timedelta(hours=2)):
        contracts.document_upload(
            customer=customer,
            kind="own_id",
            uploaded_file=SimpleUploadedFile("id.png", buffer.getvalue(), "image/png"),
            by=customer.user,
        )


def open_holds(*, cast: Cast, now: datetime) -> None:
    """Reservations made yesterday that nobody has booked an inspection for: they expire
    within a day unless someone calls."""
    models = list(EquipmentModel.objects.annotate(n=Count("assets")).filter(n__gte=4)[:3])
    starts = midnight((local(now) + timedelta(days=5)).date()) + timedelta(hours=9)
    for n, model in enumerate(models[:2]):
        customer = cast.customers[n + 2]
        if Reservation.objects.filter(customer=customer, starts_at=starts).exists():
            continue
        with clock_at(now - timedelta(hours=30 - n * 5)):
            contracts.reservation_create(
                request=contracts.ReservationRequest(
                    customer=customer,
                    items=(contracts.ReservationItem(model=model, quantity=1),),
                    starts_at=starts,
                    ends_at=starts + timedelta(days=2),
                    fulfilment="collection",
                    address=None,
                    tier="value_added",
                ),
                by=cast.desk,
            )


__all__ = ["Cast", "build", "customers", "documents_to_review", "open_holds"]
