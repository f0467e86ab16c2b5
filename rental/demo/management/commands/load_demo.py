"""Load the demo company. Safe to run again: it adds only what is missing."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from stdnum.cn import ric, uscc
from tqdm import tqdm

from catalog.models import Asset, Brand, Category, Depot, EquipmentModel
from contracts.models import Contract, Customer
from contracts.services import address_add, customer_create
from rental.accounts.models import User
from rental.core.periods import last_months
from rental.core.timeutil import local
from rental.demo import data, history
from rental.notifications.models import Notification
from rental.operations.rollups import rollups_refresh
from service_tickets.services.sweep import tickets_sweep_sla


class Command(BaseCommand):
    help = (
        "Load the demo company: brands, categories, models, units, demo accounts and six months "
        "of its history, once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--history-days", type=int, default=history.DAYS, help="Days of history to build."
        )

    def handle(self, *args, **options):
        steps = len(data.MODELS) + len(data.USERS) + 1
        with (
            transaction.atomic(),
            tqdm(total=steps, desc="demo data", disable=options["quiet_progress"]) as bar,
        ):
            depot = self._catalogue_basics()
            bar.update(1)
            created_units = 0
            for position, row in enumerate(data.MODELS, start=1):
                created_units += self._model_with_units(row, depot, position)
                bar.update(1)
            # Every demo login has the same published password: hashed once (PBKDF2 at the
            # production cost takes a quarter of a second each time), with one salt for all.
            password = make_password(data.DEMO_PASSWORD)
            for row in data.USERS:
                self._user(*row, password=password)
                bar.update(1)
            for profile in data.CUSTOMERS:
                self._customer(profile)
        made = self._history(quiet=options["quiet_progress"], days=options["history_days"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {made}{EquipmentModel.objects.count()} models, "
                f"{Asset.objects.count()} units ({created_units} new), "
                f"{User.objects.count()} users."
            )
        )

    def _history(self, *, quiet: bool, days: int) -> str:
        """Six months of the company's life, once: skipped when any contract exists."""
        if Contract.objects.exists():
            return ""
        now = timezone.now()
        people = history.customers(now=now)
        cast = history.Cast(
            desk=User.objects.get(username="frontdesk"),
            finance=User.objects.get(username="finance"),
            technicians=list(User.objects.filter(username__in=["tech", "tech2"]).order_by("pk")),
            customers=[*people, *Customer.objects.filter(user__isnull=False).order_by("pk")],
        )
        with tqdm(desc="six months of history", disable=quiet) as bar:
            done = history.build(now=now, cast=cast, bar=bar, days=days)
        history.open_holds(cast=cast, now=now)
        history.documents_to_review(
            customer=Customer.objects.get(user__username="customer"), now=now
        )
        # Open tickets past their warning time or deadline are marked as the minute sweep would.
        tickets_sweep_sla(now=now)
        # What was sent at the time is not sent again when a worker starts today.
        Notification.objects.filter(status=Notification.Status.PENDING).update(
            status=Notification.Status.SENT, sent_at=F("created_at")
        )
        months = sorted({b.start.date() for b in last_months(local(now).date()).buckets()})
        rollups_refresh(months=months, now=now)
        return f"{done['contracts']} contracts of {done['rentals']} reservations, "

    def _catalogue_basics(self) -> Depot:
        for slug, name, name_zh in data.BRANDS:
            Brand.objects.get_or_create(slug=slug, defaults={"name": name, "name_zh": name_zh})
        for position, (slug, name_zh, name_en) in enumerate(data.CATEGORIES):
            Category.objects.get_or_create(
                slug=slug, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
            )
        depot, _ = Depot.objects.get_or_create(
            name="厦门总部", defaults={"address": "厦门市思明区软件园二期观日路 24 号"}
        )
        return depot

    def _model_with_units(self, row, depot: Depot, position: int) -> int:
        (
            category,
            brand,
            name,
            specs,
            summary_zh,
            summary_en,
            kit,
            hour,
            day,
            week,
            month,
            value,
            deposit,
            units,
        ) = row
        brand_obj = Brand.objects.get(slug=brand)
        model, _ = EquipmentModel.objects.get_or_create(
            brand=brand_obj,
            name=name,
            defaults={
                "category": Category.objects.get(slug=category),
                "slug": slugify(f"{brand}-{name}"),
                "specs": specs,
                "summary_zh": summary_zh,
                "summary_en": summary_en,
                "accessories": kit,
                "hour_rate": Decimal(hour),
                "day_rate": Decimal(day),
                "week_rate": Decimal(week),
                "month_rate": Decimal(month),
                "replacement_value": Decimal(value),
                "deposit_amount": Decimal(deposit) if deposit else None,
            },
        )
        existing = set(model.assets.values_list("serial_number", flat=True))
        prefix = "".join(ch for ch in name.upper() if ch.isalnum())[:4]
        new = [
            Asset(
                model=model,
                serial_number=f"{brand.upper()[:2]}{prefix}{model.pk:03d}{n:04d}",
                asset_tag=f"XSS-{model.pk:03d}-{n:03d}",
                depot=depot,
                # From the model's place in the list, not its id: a database whose sequences have
                # moved on (tests before, a reload) buys the same fleet on the same days.
                acquired_on=date(2025, 3, 1) + timedelta(days=11 * n + position),
                # Bought for a little under what replacing it costs today.
                purchase_cost=(Decimal(value) * Decimal("0.85")).quantize(Decimal("0.01")),
            )
            for n in range(1, units + 1)
            if f"{brand.upper()[:2]}{prefix}{model.pk:03d}{n:04d}" not in existing
        ]
        Asset.objects.bulk_create(new)
        return len(new)

    def _user(self, username, role, groups, first_name, last_name, email, *, password) -> None:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first_name,
                "last_name": last_name,
                "email": email,
                "is_staff": role == User.Role.STAFF,
                "is_superuser": username == "manager",
            },
        )
        if created:
            user.password = password
            user.save(update_fields=["password"])
            user.groups.set(Group.objects.filter(name__in=groups))

    def _customer(self, profile: dict) -> None:
        user = User.objects.get(username=profile["username"])
        if Customer.objects.filter(user=user).exists():
            return
        now = timezone.now()
        fields = {
            "legal_representative": profile.get("legal_representative", ""),
            "contact_person": profile.get("contact_person", ""),
        }
        if profile["kind"] == "company":
            body = profile["credit_code_body"]
            fields["credit_code"] = body + uscc.calc_check_digit(body)
            fields["representative_id"] = _resident_id("35020319780512101")
        else:
            fields["resident_id"] = _resident_id(profile["resident_id_body"])
        customer = customer_create(
            kind=profile["kind"],
            name=profile["name"],
            phone=profile["phone"],
            email=user.email,
            user=user,
            **fields,
        )
        if profile["verified"]:
            Customer.objects.filter(pk=customer.pk).update(
                licence_verified_at=now, representative_id_verified_at=now
            )
        district, line, km = profile["address"]
        address_add(customer=customer, district=district, line=line, distance_km=km)


def _resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")
