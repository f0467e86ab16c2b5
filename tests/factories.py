"""factory_boy factories for the whole suite."""

from datetime import timedelta
from decimal import Decimal

import factory

from catalog.models import Asset, Brand, Category, Depot, EquipmentModel
from rental.accounts.models import User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "伟"
    last_name = "张"
    role = User.Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffFactory(UserFactory):
    """Staff in the groups given (`groups=["warehouse"]`); by default the manager, who may do
    everything, so tests about one page need not care about the permission matrix."""

    role = User.Role.STAFF
    is_staff = True

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        from django.contrib.auth.models import Group

        for name in ["manager"] if extracted is None else extracted:
            obj.groups.add(Group.objects.get_or_create(name=name)[0])


class TechnicianFactory(UserFactory):
    role = User.Role.TECHNICIAN


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"brand-{n}")
    name = factory.Sequence(lambda n: f"Brand {n}")


class DepotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Depot
        django_get_or_create = ("name",)

    name = "厦门总部"


class EquipmentModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquipmentModel

    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"model-{n}")
    specs = factory.LazyFunction(lambda: {"cpu": "Intel Core i5", "ram_gb": 16})
    accessories = factory.LazyFunction(lambda: [{"zh": "电源适配器", "en": "Power adapter"}])
    replacement_value = Decimal("6000.00")
    hour_rate = Decimal("5.00")
    day_rate = Decimal("30.00")
    week_rate = Decimal("150.00")
    month_rate = Decimal("400.00")


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    model = factory.SubFactory(EquipmentModelFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    asset_tag = factory.Sequence(lambda n: f"XSS-T-{n:05d}")
    depot = factory.SubFactory(DepotFactory)


def make_resident_id(n: int, region: str = "350203", born: str = "19900101") -> str:
    from stdnum.cn import ric

    body = f"{region}{born}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_credit_code(n: int) -> str:
    from stdnum.cn import uscc

    body = f"91350206MA{n % 10_000_000:07d}"
    return body + uscc.calc_check_digit(body)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.Customer"

    kind = "individual"
    name = "张伟"
    phone = "+8613812345678"
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    resident_id = factory.Sequence(lambda n: make_resident_id(n))
    user = factory.SubFactory(UserFactory)


class CompanyFactory(CustomerFactory):
    kind = "company"
    name = factory.Sequence(lambda n: f"厦门测试会展有限公司{n}")
    resident_id = ""
    credit_code = factory.Sequence(lambda n: make_credit_code(n))
    legal_representative = "陈丽"
    contact_person = "林晓"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contracts.Address"

    customer = factory.SubFactory(CustomerFactory)
    district = "siming"
    zone = "base"
    line = "思明区软件园二期观日路 24 号"
    distance_km = Decimal("7.5")


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract already handed over, with one unit; pass units=[asset, …] for more."""

    class Meta:
        model = "contracts.Contract"
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"C-T{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    status = "active"
    starts_at = factory.LazyFunction(lambda: _now_hour() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: _now_hour() + timedelta(days=29))
    fulfilment = "delivery"
    address = factory.SubFactory(AddressFactory, customer=factory.SelfAttribute("..customer"))
    tier = "rapid"
    zone = factory.LazyAttribute(lambda c: c.address.zone if c.address else "")
    distance_km = factory.LazyAttribute(lambda c: c.address.distance_km if c.address else None)
    signed_at = factory.LazyAttribute(
        lambda c: None if c.status in ("draft", "cancelled") else c.starts_at
    )
    # Staff have confirmed the road distance (signing needs it for a delivery).
    distance_confirmed_at = factory.LazyFunction(lambda: _now_hour())
    # What signing freezes, as the published terms and the house defaults give it.
    terms_snapshot = factory.LazyAttribute(
        lambda c: {} if c.status in ("draft", "cancelled") else _published_terms()
    )
    # Each trip priced once at signing, as `contract_sign` does, from the published terms.
    delivery_fee = factory.LazyAttribute(lambda c: _signed_trip_fee(c))
    pickup_fee = factory.LazyAttribute(lambda c: _signed_trip_fee(c))
    policy_snapshot = factory.LazyAttribute(
        lambda c: (
            {}
            if c.status in ("draft", "cancelled")
            else {"late_return_surcharge": "0.20", "deposit_rate": "0.50"}
        )
    )

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        from catalog.models import CalendarEntry
        from catalog.selectors import blocked_range
        from contracts.models import ContractUnit

        for asset in extracted or [AssetFactory()]:
            entry = CalendarEntry.objects.create(
                asset=asset,
                kind="rental",
                starts_at=obj.starts_at,
                ends_at=obj.ends_at,
                blocked=blocked_range(obj.starts_at, obj.ends_at, timedelta(hours=2)),
                note=obj.number,
            )
            ContractUnit.objects.create(
                contract=obj,
                model=asset.model,
                asset=asset,
                calendar_entry=entry,
                rent=Decimal("100.00"),
                rate_card={} if obj.status == "draft" else asset.model.rate_card().to_dict(),
            )


def _signed_trip_fee(c) -> Decimal:
    from service_tickets import fees
    from service_tickets.terms import PUBLISHED_TERMS

    if c.status in ("draft", "cancelled") or c.fulfilment != "delivery" or not c.zone:
        return Decimal("0.00")
    return fees.delivery_fee(
        tier=c.tier, zone=c.zone, distance_km=c.distance_km, terms=PUBLISHED_TERMS
    )


def _published_terms() -> dict:
    from service_tickets.terms import PUBLISHED_TERMS

    return PUBLISHED_TERMS.to_dict()


def _now_hour():
    from django.utils import timezone

    return timezone.now().replace(minute=0, second=0, microsecond=0)
