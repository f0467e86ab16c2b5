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
# Who rents from the demo company (besides the two demo logins): (name, phone, district, street,
# road km, what they rent). Project teams and offices rent for months, training rooms for weeks,
# exhibitions and conferences for a few days; individuals a laptop or a projector.
COMPANIES = [
    ("厦门鹭岛会议服务有限公司", "0592-5123401", "siming", "湖滨南路 388 号", "5.0", "event"),
    (
        "厦门软件园培训中心",
        "0592-5123402",
        "siming",
        "软件园二期望海路 10 号",
        "8.0",
        "training",
    ),
    (
        "厦门海沧港务物流有限公司",
        "0592-5123403",
        "haicang",
        "港南路 66 号",
        "21.0",
        "project",
    ),
    (
        "厦门集美大学继续教育学院",
        "0592-5123404",
        "jimei",
        "银江路 185 号",
        "19.0",
        "training",
    ),
    ("厦门湖里创业孵化器", "0592-5123405", "huli", "岐山路 2 号", "7.0", "project"),
    (
        "漳州开发区展览有限公司",
        "0596-6123406",
        "zhangzhou",
        "漳州开发区招商大厦 5 楼",
        "46.0",
        "event",
    ),
    ("泉州晋江测试实验室", "0595-22123407", "quanzhou", "晋江市世纪大道 800 号", "88.0", "testing"),
    ("厦门思明区社区服务中心", "0592-5123408", "siming", "中山路 120 号", "3.5", "project"),
    (
        "厦门美图软件外包项目部",
        "0592-5123409",
        "siming",
        "观音山商务区 12 号",
        "6.0",
        "project",
    ),
    ("厦门航空呼叫中心", "0592-5123410", "huli", "高崎南五路 22 号", "11.0", "project"),
    ("厦门国际会展中心运营部", "0592-5123411", "siming", "会展路 198 号", "9.5", "event"),
    ("厦门同安工业集中区管委会", "0592-5123412", "tongan", "西柯街 8 号", "32.0", "project"),
    (
        "厦门大学嘉庚学院考试中心",
        "0596-6123413",
        "zhangzhou",
        "招商局开发区嘉庚路 1 号",
        "38.0",
        "training",
    ),
    (
        "厦门翔安税务临时办事大厅",
        "0592-5123414",
        "xiangan",
        "新店镇翔安西路 9 号",
        "28.0",
        "project",
    ),
]
INDIVIDUALS = [
    ("李娜", "13860000101", "huli", "江头北路 21 号", "6.5"),
    ("王磊", "13860000102", "siming", "莲前东路 77 号", "4.0"),
    ("陈静", "13860000103", "jimei", "杏林湾路 5 号", "18.0"),
    ("刘洋", "13860000104", "siming", "厦禾路 900 号", "3.0"),
    ("黄敏", "13860000105", "tongan", "环城南路 12 号", "32.0"),
    ("周杰", "13860000106", "huli", "五缘湾道 3 号", "9.0"),
    ("吴婷", "13860000107", "siming", "嘉禾路 300 号", "5.5"),
    ("郑浩", "13860000108", "haicang", "滨湖北路 15 号", "20.0"),
]
# What each kind of customer rents: (categories to choose from, models, units per model, days).
NEEDS = {
    "project": (
        ("laptops", "desktops", "monitors", "office", "network", "projection"),
        (2, 3),
        (3, 10),
        (45, 150),
    ),
    "testing": (("network", "laptops", "monitors"), (2, 3), (2, 5), (30, 90)),
    "training": (("desktops", "laptops", "monitors", "projection"), (2, 3), (4, 8), (10, 28)),
    "event": (("projection", "laptops", "network", "office", "monitors"), (2, 3), (1, 4), (1, 4)),
    "individual": (("laptops", "projection", "monitors"), (1, 1), (1, 1), (1, 14)),
}
# Tickets still open now: dispatched or not at random, or on purpose for the board.
OPEN_TICKETS = ("open", "unassigned", "assigned")
REGULARS = 8  # customers who were renting before the half year began
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
    models = list(
        EquipmentModel.objects.annotate(n=Count("assets"))
        .filter(n__gte=2)
        .select_related("category")
        .order_by("pk")
    )
    plans = _plans(rng, now, cast.customers, models, days=days)
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
    ticket: str | None  # None, "met", "late", or one of OPEN_TICKETS
    pays: bool
    slot: datetime | None = None  # the showroom inspection, or None: at the site on delivery
    leave_inspection_open: bool = False
    prepays: bool = False
    ticket_age: int | None = None  # minutes since an open ticket's call


class _Fleet:
    """Units out per model and day, as the plans so far would have them: the planner books only
    what is free (with a day's margin for late returns), and aims the fleet's share out at a
    utilisation that grows over the half year."""

    def __init__(self, models, first: datetime, days: int):
        self.units = {m.pk: m.n for m in models}
        self.first, self.days = first, days
        self.out = {m.pk: [0] * (days + 1) for m in models}
        self.total = sum(self.units.values())

    def _span(self, start: datetime, end: datetime) -> range:
        a = max(0, (start - self.first).days)
        return range(a, min(self.days, (end - self.first).days + 2))

    def free(self, model, start, end) -> int:
        span = self._span(start, end)
        if not span:
            return 0
        return self.units[model.pk] - max(self.out[model.pk][d] for d in span)

    def take(self, model, quantity, start, end) -> None:
        for d in self._span(start, end):
            self.out[model.pk][d] += quantity

    def share(self, day: int) -> float:
        return sum(out[day] for out in self.out.values()) / self.total


def _plans(rng: random.Random, now: datetime, customers, models, *, days: int) -> list[Plan]:
    anchor = midnight(local(now).date())
    first = anchor - timedelta(days=days)
    fleet = _Fleet(models, first, days + 60)
    by_category: dict[str, list] = {}
    for model in models:
        by_category.setdefault(model.category.slug, []).append(model)
    slots: dict[datetime, int] = {}
    plans = []
    for day in range(days + 3):
        start_day = first + timedelta(days=day)
        recent = day >= days - 14
        # Over a third of the fleet out at the start, over two thirds by now.
        target = 0.36 + 0.36 * min(day, days) / days
        wanted = []
        if rng.random() < (0.6 if recent else 0.3):
            wanted.append(rng.choice(("event", "event", "individual", "individual", "training")))
        tries = 0
        while fleet.share(min(day + 1, fleet.days)) < target and tries < 3 and day < days:
            wanted.append(rng.choice(("project", "project", "project", "testing", "training")))
            tries += 1
        for need in wanted:
            plan = _plan(rng, need, start_day, customers, by_category, fleet, slots, recent)
            if plan is not None:
                plans.append(plan)
                # Units count as out once the plan is made, so the next plan sees them.
                share = fleet.share(min(day + 1, fleet.days))
                if share >= target and need != "event":
                    break
    zones = {c.pk: getattr(c.addresses.first(), "zone", "base") for c in customers}
    _every_month(rng, plans, anchor, zones)
    # The board's service calls are on the island, where the tiers promise a deadline.
    local_customers = [c for c in customers if zones[c.pk] == "base"]
    plans.extend(_board_plans(rng, now, local_customers, by_category, fleet, slots))
    plans.sort(key=lambda p: p.booked_at)
    return plans


def _every_month(rng, plans: list[Plan], anchor: datetime, zones: dict[int, str]) -> None:
    """Chance alone leaves some month without a late return, a damaged unit or a repair that
    is paid for: give each month whose rentals ended a few of each, as a real half year has."""
    waived = set(
        Customer.objects.filter(
            licence_verified_at__isnull=False, representative_id_verified_at__isnull=False
        ).values_list("pk", flat=True)
    )
    ending: dict[str, list[Plan]] = {}
    for plan in plans:
        if plan.ends_at < anchor - timedelta(days=2) and plan.outcome in ("all", "some"):
            ending.setdefault(f"{local(plan.ends_at):%Y-%m}", []).append(plan)
    for group in ending.values():
        if sum(1 for p in group if p.late_hours) < 2:
            for plan in rng.sample(group, k=min(2, len(group))):
                plan.late_hours = plan.late_hours or rng.choice((3, 6, 20))
        # Damage is taken from the deposit where there is one, else charged (and so revenue).
        for pool in (
            [p for p in group if p.customer.pk in waived],
            [p for p in group if p.customer.pk not in waived],
        ):
            if pool and not any(p.damaged for p in pool):
                rng.choice(pool).damaged = True
    # A repair is called a third of the way into the rental (`_repair`): counted in that month.
    calling: dict[str, list[Plan]] = {}
    for plan in plans:
        called = plan.starts_at + (plan.ends_at - plan.starts_at) * 0.3
        if called < anchor - timedelta(days=1) and plan.outcome in ("all", "some"):
            calling.setdefault(f"{local(called):%Y-%m}", []).append(plan)
    for group in calling.values():
        # Paid for: the basic tier, or outside the island whatever the tier.
        paid = [p for p in group if p.tier == "basic" or zones[p.customer.pk] != "base"]
        unpaid = [p for p in paid if p.ticket not in ("met", "late")]
        missing = max(0, 2 - (len(paid) - len(unpaid)))
        for plan in rng.sample(unpaid, k=min(missing, len(unpaid))):
            plan.ticket = rng.choice(("met", "met", "late"))


def _who(rng, need: str, customers, when: datetime):
    """A customer of this kind who is registered by `when`."""
    if need == "individual":
        pool = [c for c in customers if c.kind == "individual"]
    else:
        pool = [c for c in customers if c.kind == "company" and _need_of(c) in (need, None)]
    pool = [c for c in pool if c.user_id or c.created_at <= when] or pool[:1]
    return rng.choice(pool) if pool else None


def _need_of(customer: Customer) -> str | None:
    for name, *_rest, need in COMPANIES:
        if name == customer.name:
            return need
    return None  # a demo login: rents anything


def _plan(
    rng,
    need,
    start_day,
    customers,
    by_category,
    fleet,
    slots,
    recent,
    *,
    hours=None,
    when=None,
    late_hours=None,
) -> Plan | None:
    categories, n_models, per_model, (lo, hi) = NEEDS[need]
    start = when or start_day + timedelta(hours=rng.choice((9, 10, 13, 14)))
    length = hours or 24 * rng.randint(lo, hi)
    if need == "event" and rng.random() < 0.4 and hours is None:
        length = rng.choice((5, 8))  # an afternoon's conference
    end = start + timedelta(hours=length)
    long = length >= 24 * 30
    extend = (24 * 30 if long else 24 * 2) if rng.random() < 0.2 and length >= 48 else 0
    late = rng.choice((2, 5, 20, 40)) if rng.random() < 0.15 else 0
    if late_hours is not None:
        extend, late = 0, late_hours
    # Out until the extended end and a late return, and the two days of margin the month's
    # extra late returns (`_every_month`) may use.
    back = end + timedelta(hours=extend + late, days=2)
    booked = start - timedelta(
        days=rng.choice((2, 3, 5)) if length > 24 * 14 else 2, hours=rng.randint(1, 5)
    )
    customer = _who(rng, need, customers, booked)
    if customer is None:
        return None
    picked = []
    for category in rng.sample(categories, k=min(len(categories), rng.randint(*n_models))):
        choices = [m for m in by_category.get(category, []) if fleet.free(m, start, back) > 1]
        if not choices:
            continue
        model = rng.choice(choices)
        quantity = min(rng.randint(*per_model), fleet.free(model, start, back) - 1)
        if quantity >= 1:
            picked.append((model, quantity))
    if not picked:
        return None
    for model, quantity in picked:
        fleet.take(model, quantity, start, back)
    company = customer.kind == "company"
    delivery = company or rng.random() < 0.3
    if customer.kind == "individual":
        tier = rng.choice(("basic", "basic", "value_added"))
    else:
        tier = (
            rng.choice(("value_added", "rapid", "rapid"))
            if need != "project"
            else (rng.choice(("value_added", "value_added", "rapid")))
        )
    slot = None
    if not delivery or rng.random() < 0.35:
        slot = _slot(slots, start)
    return Plan(
        customer=customer,
        items=picked,
        booked_at=booked,
        starts_at=start,
        ends_at=end,
        tier=tier,
        delivery=delivery,
        outcome=rng.choices(("all", "some", "declined", "expired"), (84, 8, 4, 4))[0],
        extend_hours=extend,
        late_hours=late,
        damaged=rng.random() < (0.2 if need in ("event", "individual") else 0.1),
        ticket=rng.choices(
            (None, "met", "late", "open"), (45 if long else 70, 30, 10, 12 if recent else 0)
        )[0],
        pays=rng.random() < 0.92,
        slot=slot,
        prepays=company and long and rng.random() < 0.6,
    )


def _slot(slots: dict, start: datetime) -> datetime | None:
    """A free showroom hour on the day before the rental (two inspections an hour)."""
    day = midnight(local(start - timedelta(days=1)).date())
    for hour in (10, 11, 14, 15, 16, 9, 17):
        at = day + timedelta(hours=hour)
        if slots.get(at, 0) < 2:
            slots[at] = slots.get(at, 0) + 1
            return at
    return None


def _board_plans(rng, now, customers, by_category, fleet, slots) -> list[Plan]:
    """Today's work, whatever the hour the demo is loaded: an inspection at the showroom today,
    a delivery and pickups tomorrow, a return due tonight, one overdue since yesterday, and
    service calls waiting, at risk and late."""
    anchor = midnight(local(now).date())
    tonight = anchor + timedelta(hours=min(23, max(18, local(now).hour + 2)))
    tomorrow = anchor + timedelta(days=1, hours=10)
    made = [
        # Rents from tomorrow: inspected in the showroom today, its outcome not yet recorded.
        ("training", tomorrow, 24 * 10, "showroom_open", None),
        # Delivered tomorrow afternoon: the showroom visit is today.
        ("project", tomorrow + timedelta(hours=4), 24 * 45, "showroom", None),
        # Picked up tomorrow evening; a call this afternoon, the technician on the way.
        ("event", anchor - timedelta(days=2, hours=-9), 24 * 3 + 8, "site", ("assigned", 200)),
        # Due back tonight.
        ("individual", anchor - timedelta(days=4, hours=-10), None, "showroom", None),
        # Out since this morning.
        ("event", anchor + timedelta(hours=8), 24 * 2, "site", None),
        # Should have come back yesterday afternoon; the customer called this morning, and
        # nobody has gone yet.
        (
            "event",
            anchor - timedelta(days=3, hours=-9),
            24 * 2 + 6,
            "site_late",
            ("unassigned", 300),
        ),
    ]
    plans = []
    for need, when, hours, how, ticket in made:
        hours = hours or int((tonight - when).total_seconds() // 3600)
        for _attempt in range(6):  # another mix of models when the first is booked out
            plan = _plan(
                rng,
                need,
                anchor,
                customers,
                by_category,
                fleet,
                slots,
                True,
                when=when,
                hours=hours,
                late_hours=24 * 30 if how == "site_late" else 0,
            )
            if plan is not None:
                break
        else:
            continue
        plan.outcome, plan.damaged, plan.pays = "all", False, True
        plan.ticket, plan.ticket_age = ticket or (None, None)
        if ticket:
            plan.tier = "rapid"  # a 4-hour response for rentals of under a week
        plan.booked_at = min(plan.booked_at, plan.starts_at - timedelta(days=2))
        if how.startswith("showroom"):
            plan.slot = _slot(slots, plan.starts_at)
            plan.leave_inspection_open = how == "showroom_open"
        else:
            plan.slot, plan.delivery = None, True
            if plan.customer.kind != "company":
                plan.customer = _who(rng, "event", customers, plan.booked_at)
        plans.append(plan)
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
            reservation = _reserve(request, by=desk)
        except ApplicationError:
            return None  # fully booked that week: the customer went elsewhere
    if plan.outcome == "expired":
        expiry = reservation.hold_expires_at + timedelta(minutes=5)
        if expiry < now:
            contracts.reservation_expire(reservation_id=reservation.pk, now=expiry)
        return None
    place = "site" if plan.delivery else "collection"
    if plan.slot is not None:
        place = "showroom"
    with clock_at(plan.booked_at + timedelta(minutes=20)):
        inspection = contracts.inspection_book(
            reservation=reservation,
            place=place,
            starts_at=plan.slot if place == "showroom" else None,
            by=desk,
        )
        contracts.inspection_confirm(inspection=inspection, by=desk)
    seen_at = inspection.starts_at + timedelta(minutes=40)
    if seen_at >= now or plan.leave_inspection_open:
        return None  # the inspection is still to come (or its outcome to record): on the board
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
    sign_at = seen_at + timedelta(minutes=20) if place == "showroom" else seen_at
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
    with clock_at(max(plan.starts_at, sign_at) + timedelta(minutes=30)):
        for unit in contract.units.select_related("asset").order_by("pk"):
            contracts.contract_handover_scan(
                contract=contract, asset_tag=unit.asset.asset_tag, by=desk
            )
    paid_at = max(plan.starts_at, sign_at) + timedelta(hours=3)
    if plan.prepays and paid_at < now:
        # Companies on long rentals pay the rent and trips when the goods arrive.
        with clock_at(paid_at):
            owed = contracts.contract_statement(contract=contract).balance
            if owed > 0:
                contracts.payment_record(
                    contract=contract, amount=owed, method="bank", by=cast.finance
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
        booked = max(plan.starts_at + timedelta(hours=1), ends_at - timedelta(days=2))
        _trip(contract, "pickup", pickup, driver, desk, now, scheduled_at=booked)
    if returned_at >= now:
        return contract  # out now, or overdue: on the board
    with clock_at(returned_at):
        for n, unit in enumerate(contract.units.select_related("asset").order_by("pk")):
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
    if plan.ticket in OPEN_TICKETS:  # a call today, not yet answered: on the board
        if plan.ends_at + timedelta(hours=plan.late_hours) <= now:
            return  # back already: nothing to call about
        called = now - timedelta(minutes=plan.ticket_age or rng.choice((25, 70, 200, 300, 1150)))
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
    if plan.ticket == "unassigned" or (plan.ticket == "open" and rng.random() < 0.5):
        return  # nobody assigned yet
    with clock_at(min(called + timedelta(minutes=12), now)):
        ticket = tickets.ticket_assign(ticket=ticket, technician=technician, by=cast.desk)
    if plan.ticket in OPEN_TICKETS:
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
    from stdnum.cn import uscc

    made = []
    rng = random.Random(SEED + 1)
    people = [("company", *row[:5]) for row in COMPANIES] + [
        ("individual", *row) for row in INDIVIDUALS
    ]
    newcomers = len(people) - REGULARS
    for n, (kind, name, phone, district, line, km) in enumerate(people):
        existing = Customer.objects.filter(name=name).first()
        if existing:
            made.append(existing)
            continue
        if n < REGULARS:  # customers from before the half year
            joined = now - timedelta(days=DAYS + 30 + 9 * n, hours=rng.randint(0, 8))
        else:  # then a new one every week or two
            days_in = (n - REGULARS) * (DAYS - 7) // newcomers
            joined = now - timedelta(days=DAYS - days_in, hours=rng.randint(0, 8))
        fields: dict = {}
        if kind == "company":
            body = f"9135020{n:02d}MA2XK{n:03d}"[:17]
            fields = {
                "credit_code": body + uscc.calc_check_digit(body),
                "legal_representative": "陈" + "明华建国丽娟"[n % 6],
                "contact_person": "林" + "晓敏海峰"[n % 4],
                "representative_id": _id(f"3502031975{1 + n % 12:02d}{10 + n:02d}{200 + n:03d}"),
            }
        else:
            body = f"350203{1985 + n % 10}{1 + n % 9:02d}{1 + n % 27:02d}{100 + n:03d}"
            fields = {"resident_id": _id(body)}
        with clock_at(joined):
            customer = contracts.customer_create(
                kind=kind, name=name, phone=phone, email=f"c{n}@example.com", user=None, **fields
            )
            contracts.address_add(customer=customer, district=district, line=line, distance_km=km)
            if kind == "company" and n % 2 == 0:
                # Documents verified at the counter: no deposit (免押金).
                Customer.objects.filter(pk=customer.pk).update(
                    licence_verified_at=joined, representative_id_verified_at=joined
                )
        made.append(customer)
    return made


def _id(body: str) -> str:
    """A resident ID number with its check digit (GB 11643)."""
    from stdnum.cn import ric

    return body + ric.calc_check_digit(body + "0")


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
            _reserve(
                contracts.ReservationRequest(
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


def _reserve(request, *, by) -> Reservation:
    """A reservation told to its customer and the desk at once, as the worker would within
    seconds: the history's notices carry the time it was made."""
    reservation = contracts.reservation_create(request=request, by=by)
    contracts.reservation_announce(reservation_id=reservation.pk)
    return reservation


__all__ = ["Cast", "build", "customers", "documents_to_review", "open_holds"]
