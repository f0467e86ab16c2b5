"""Who may open which page: one table, by URL name, read by a middleware on every request.

The table names *principals*: the customer, the technician and the four staff groups (a
superuser counts as a manager). A rule gives the principals that may read a page (GET, HEAD)
and those that may act on it (any other method). `PUBLIC` pages are open to everyone, logged
out included; `SIGNED_IN` pages to anyone logged in. The console (Django admin, `admin:` names)
is guarded by the model permissions of `rental.accounts.roles`, not here.

A URL with no rule is refused (fail closed) and fails the matrix test in tests/core, so nobody
can add a page and forget to say who may use it. The views keep their own role decorators and
ownership checks; this table is the second, finer lock for the staff groups.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

log = logging.getLogger(__name__)

CUSTOMER = "customer"
TECHNICIAN = "technician"
FRONT_DESK = "front_desk"
WAREHOUSE = "warehouse"
FINANCE = "finance"
MANAGER = "manager"
STAFF_GROUPS = (FRONT_DESK, WAREHOUSE, FINANCE, MANAGER)
PRINCIPALS = (CUSTOMER, TECHNICIAN, *STAFF_GROUPS)

PUBLIC = "public"
SIGNED_IN = "signed_in"

ALL_STAFF = frozenset(STAFF_GROUPS)
DESK = frozenset({FRONT_DESK, MANAGER})


@dataclass(frozen=True)
class Rule:
    read: frozenset[str]
    write: frozenset[str]
    # Pages whose very existence is private (identity documents) answer 404 to those refused.
    hide: bool = False
    # A logged-out visitor is sent to log in first, unless even that would give the page away.
    login: bool = True


def rule(read, write=None, *, hide: bool = False, login: bool = True) -> Rule:
    read = frozenset({read} if isinstance(read, str) else read)
    write = read if write is None else frozenset({write} if isinstance(write, str) else write)
    return Rule(read=read, write=write, hide=hide, login=login)


def _public() -> Rule:
    return rule(PUBLIC)


# URL name → rule. Keep it in the order of the URLconf; the README shows it as a table
# (`manage.py access_matrix` prints it).
MATRIX: dict[str, Rule] = {
    # Everyone
    "home": _public(),
    "healthz": _public(),
    "set_language": _public(),
    "catalog:model_list": _public(),
    "catalog:model_detail": _public(),
    "accounts:signup": _public(),
    "accounts:verify": rule(SIGNED_IN),
    "accounts:verify_resend": rule(SIGNED_IN),
    "accounts:recover": _public(),
    "accounts:recover_code": _public(),
    "accounts:login": _public(),
    "accounts:logout": _public(),
    "accounts:tokens": rule(SIGNED_IN),
    "accounts:password_reset": _public(),
    "accounts:password_reset_done": _public(),
    "accounts:password_reset_confirm": _public(),
    "accounts:password_reset_complete": _public(),
    "accounts:password_change": rule(SIGNED_IN),
    "accounts:password_change_done": rule(SIGNED_IN),
    # The customer's own pages (ownership is checked in each view's queryset)
    "contracts:profile": rule(CUSTOMER),
    "contracts:address_add": rule(CUSTOMER),
    "contracts:reservation_list": rule(CUSTOMER),
    "contracts:reservation_new": rule(CUSTOMER),
    "contracts:reservation_quote": rule(CUSTOMER),
    "contracts:reservation_detail": rule(CUSTOMER),
    "contracts:inspection_book": rule(CUSTOMER),
    "contracts:inspection_cancel": rule(CUSTOMER),
    "contracts:reservation_cancel": rule(CUSTOMER),
    "contracts:contract_list": rule(CUSTOMER),
    "contracts:contract_detail": rule(CUSTOMER),
    "contracts:contract_pdf": rule(CUSTOMER),
    "contracts:document_list": rule(CUSTOMER),
    "contracts:document_upload": rule(CUSTOMER),
    "contracts:guarantor_set": rule(CUSTOMER),
    "service_tickets:customer_home": rule(CUSTOMER),
    "service_tickets:customer_call": rule(CUSTOMER),
    "service_tickets:customer_ticket": rule(CUSTOMER),
    "service_tickets:customer_cancel": rule(CUSTOMER),
    # Identity documents: their customer, the front desk and the manager; nobody else learns
    # that they exist.
    "contracts:document_file": rule({CUSTOMER, FRONT_DESK, MANAGER}, hide=True, login=False),
    "contracts:document_queue": rule(DESK, hide=True),
    "contracts:document_verify": rule(DESK, hide=True),
    "contracts:document_reject": rule(DESK, hide=True),
    "contracts:document_customer": rule(DESK, hide=True),
    "contracts:guarantor_confirm_household": rule(DESK, hide=True),
    # Reservations and phone bookings: the front desk; everyone on staff may look.
    "contracts:staff_board": rule(ALL_STAFF),
    "contracts:staff_booking": rule(DESK),
    "contracts:staff_booking_for": rule(DESK),
    "contracts:staff_booking_quote": rule(DESK),
    "contracts:staff_reservation": rule(ALL_STAFF, DESK),
    "contracts:staff_inspection_book": rule(DESK),
    "contracts:staff_inspection_confirm": rule(DESK),
    "contracts:staff_reservation_cancel": rule(DESK),
    # The contract desk: everyone on staff may look; each action belongs to its groups.
    "contracts:desk_list": rule(ALL_STAFF),
    "contracts:desk": rule(ALL_STAFF),
    "contracts:desk_pdf": rule(ALL_STAFF),
    "contracts:desk_statement_csv": rule(ALL_STAFF),
    "contracts:desk_sign": rule(DESK),
    "contracts:desk_term": rule(DESK),
    "contracts:desk_deposit": rule(DESK | {FINANCE}),
    "contracts:desk_scan": rule(DESK | {WAREHOUSE}),
    "contracts:desk_return": rule(DESK | {WAREHOUSE}),
    "contracts:desk_payment": rule(DESK | {FINANCE}),
    "contracts:desk_extend": rule(DESK),
    "contracts:desk_close": rule(DESK | {FINANCE}),
    "contracts:desk_distance": rule(ALL_STAFF, DESK),
    # Writing off what a customer still owes is a manager's decision (the service checks too).
    "contracts:desk_write_off": rule(ALL_STAFF, {MANAGER}),
    "contracts:desk_refund": rule(DESK | {FINANCE}),
    "contracts:desk_cancel": rule(DESK),
    # Technicians' phone pages (each sees only tickets assigned to them)
    "service_tickets:tech_list": rule(TECHNICIAN),
    "service_tickets:tech_ticket": rule(TECHNICIAN),
    "service_tickets:tech_en_route": rule(TECHNICIAN),
    "service_tickets:tech_arrive": rule(TECHNICIAN),
    "service_tickets:tech_resolve": rule(TECHNICIAN),
    "service_tickets:tech_close": rule(TECHNICIAN),
    # Dispatch: the front desk dispatches; the workshop (warehouse) books repairs in and out;
    # waiving a surcharge is a money decision.
    "service_tickets:staff_board": rule(ALL_STAFF),
    "service_tickets:staff_open": rule(ALL_STAFF, DESK | {WAREHOUSE}),
    "service_tickets:staff_report": rule(ALL_STAFF),
    "service_tickets:staff_ticket": rule(ALL_STAFF),
    "service_tickets:staff_assign": rule(DESK),
    "service_tickets:staff_deadline": rule(DESK),
    "service_tickets:staff_cancel": rule(DESK),
    "service_tickets:staff_waive": rule({FINANCE, MANAGER}),
    "service_tickets:staff_repaired": rule(DESK | {WAREHOUSE}),
    "service_tickets:staff_collected": rule(DESK | {WAREHOUSE}),
    # Today and the reports: every staff group; which sections and reports each group sees is
    # rental.accounts.roles (BOARD_SECTIONS, REPORT_GROUPS), checked again by the views.
    "operations:today": rule(ALL_STAFF),
    "operations:today_counts": rule(ALL_STAFF),
    "operations:report_index": rule(ALL_STAFF),
    "operations:report": rule(ALL_STAFF),
}

# Names reached through the console, guarded by Django's model permissions instead.
CONSOLE_NAMESPACE = "admin"
# The REST API checks role, token scopes and ownership itself, per endpoint and object
# (rental/api/permissions.py), and its own matrix test covers every endpoint × role.
API_NAMESPACE = "api"


def principals_of(user) -> frozenset[str]:
    """What a user counts as in the table; empty for the logged-out and for staff in no group."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.role == CUSTOMER:
        return frozenset({CUSTOMER})
    if user.role == TECHNICIAN:
        return frozenset({TECHNICIAN})
    if user.role != "staff":
        return frozenset()
    if user.is_superuser:
        return frozenset({MANAGER})
    cached = getattr(user, "_access_groups", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=STAFF_GROUPS).values_list("name", flat=True))
        user._access_groups = cached
    return cached


def allowed(rule_: Rule, user, method: str) -> bool:
    wanted = rule_.read if method in ("GET", "HEAD", "OPTIONS") else rule_.write
    if PUBLIC in wanted:
        return True
    if not user.is_authenticated:
        return False
    if SIGNED_IN in wanted:
        return True
    return bool(wanted & principals_of(user))


def staff_may(user, url_name: str, method: str = "POST") -> bool:
    """For templates and views that offer an action only to those who may take it."""
    rule_ = MATRIX.get(url_name)
    return rule_ is not None and allowed(rule_, user, method)


class AccessMiddleware:
    """Applies MATRIX before any view runs. Sits after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        name = match.view_name
        if match.namespaces[:1] in ([CONSOLE_NAMESPACE], [API_NAMESPACE]):
            return None
        if getattr(match.func, "__module__", "") == "django.views.static":
            return None  # model photos under MEDIA_URL in development (DEBUG only)
        rule_ = MATRIX.get(name)
        if rule_ is None:
            # Fail closed: a page nobody wrote a rule for is nobody's.
            log.error("No access rule for URL name %r (%s); refused.", name, request.path)
            raise PermissionDenied
        if allowed(rule_, request.user, request.method):
            return None
        if not request.user.is_authenticated and rule_.login:
            return redirect_to_login(request.get_full_path())
        if rule_.hide:
            raise Http404
        raise PermissionDenied
