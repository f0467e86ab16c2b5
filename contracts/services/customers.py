"""Creating customers and their addresses, with every number checked on entry."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.phones import clean_phone

from ..distances import estimated_km
from ..identity import clean_credit_code, clean_resident_id
from ..models import Address, Customer
from ..models.customers import ZONE_OF_DISTRICT, District


class CustomerError(ApplicationError):
    pass


def customer_create(
    *,
    kind: str,
    name: str,
    phone: str,
    email: str = "",
    credit_code: str = "",
    legal_representative: str = "",
    representative_id: str = "",
    contact_person: str = "",
    resident_id: str = "",
    user=None,
    by=None,
) -> Customer:
    """A company (credit code, representative) or an individual (own ID number)."""
    name = (name or "").strip()
    if not name:
        raise CustomerError(_("Enter the customer's name."), code="name")
    if kind == Customer.Kind.COMPANY:
        fields = {
            "credit_code": clean_credit_code(credit_code),
            "legal_representative": legal_representative.strip(),
            "representative_id": clean_resident_id(representative_id) if representative_id else "",
            "contact_person": contact_person.strip(),
        }
    elif kind == Customer.Kind.INDIVIDUAL:
        fields = {"resident_id": clean_resident_id(resident_id)}
    else:
        raise CustomerError(_("Choose company or individual."), code="kind")
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                kind=kind,
                name=name,
                phone=clean_phone(phone),
                email=email.strip(),
                user=user,
                created_by=by,
                **fields,
            )
            audit.record(by or user, "contracts.customer.created", customer, kind=kind)
    except IntegrityError as exc:
        if "credit_code_unique" in str(exc) or "resident_id_unique" in str(exc):
            raise CustomerError(
                _("A customer with this ID or credit code already exists."), code="duplicate"
            ) from exc
        raise
    return customer


def address_add(
    *,
    customer: Customer,
    district: str,
    line: str,
    distance_km,
    label: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    by=None,
) -> Address:
    """An address; its service zone follows from the district."""
    if district not in District.values:
        raise CustomerError(
            _("We do not recognise that district; choose one from the list."), code="zone"
        )
    if not (line or "").strip():
        raise CustomerError(_("Enter the street address."), code="line")
    km = _distance(distance_km)
    address = Address.objects.create(
        customer=customer,
        district=district,
        zone=ZONE_OF_DISTRICT[District(district)],
        line=line.strip(),
        distance_km=km,
        label=label.strip(),
        contact_name=contact_name.strip(),
        contact_phone=clean_phone(contact_phone) if contact_phone else "",
    )
    audit.record(by, "contracts.address.added", address, zone=address.zone)
    return address


def _distance(distance_km) -> Decimal:
    try:
        km = Decimal(str(distance_km))
    except (InvalidOperation, ValueError) as exc:
        raise CustomerError(_("Enter the distance in kilometres."), code="distance") from exc
    if not km.is_finite() or km < 0 or km > 2000:
        raise CustomerError(_("The distance must be between 0 and 2,000 km."), code="distance")
    return km.quantize(Decimal("0.1"))


def quote_site(*, district: str, distance_km=None) -> Address:
    """Where a quote's trips would go when nobody is signed in (a partner's website): an
    address described, never saved. Its zone follows from the district, as an address's does;
    without a distance the district's estimate is used, as the address form does."""
    if district not in District.values:
        raise CustomerError(
            _("We do not recognise that district; choose one from the list."), code="zone"
        )
    if distance_km is None:
        distance_km = estimated_km(district)
        if distance_km is None:
            raise CustomerError(
                _("Give the road distance from our depot for a site in that area."),
                code="distance",
                extra={"field": "distance_km"},
            )
    return Address(
        district=district,
        zone=ZONE_OF_DISTRICT[District(district)],
        distance_km=_distance(distance_km),
    )
