"""Contract pages: the customer's own contracts and statements; the staff contract desk."""

from __future__ import annotations

import csv
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.flash import attempt
from rental.core.permissions import customer_required, staff_required
from rental.core.phones import phone_search_digits
from rental.core.timeutil import SHANGHAI, local
from service_tickets.selectors import contract_terms

from .. import selectors
from ..forms_contracts import (
    CancelForm,
    CloseForm,
    DepositForm,
    DistanceForm,
    ExtendForm,
    PaymentForm,
    RefundForm,
    ReturnForm,
    ScanForm,
    SignForm,
    TermForm,
    WriteOffForm,
)
from ..models import Contract
from ..money_text import payment_text
from ..pdf import ContractPdfError, render_contract_pdf
from ..services import charges, distance, settlement
from ..services import contracts as lifecycle
from ..snapshot import contract_document

MAX_QUERY_LENGTH = 100


def _context(contract: Contract) -> dict:
    return {
        "contract": contract,
        "units": contract.units.select_related("asset", "model__brand"),
        "statement": charges.contract_statement(contract=contract),
        "deposit_entries": contract.deposit_entries.all(),
        "deposit_held": charges.deposit_balance(contract=contract),
    }


def _pdf_response(contract: Contract, request: HttpRequest) -> HttpResponse:
    """The contract as PDF in ?lang= (default: the page's language); 400 for any other."""
    language = request.GET.get("lang") or get_language()
    if language not in dict(settings.LANGUAGES):
        return render(
            request,
            "core/bad_request.html",
            {
                "reason": _("A contract can be printed in Chinese or English, not %(language)s.")
                % {"language": language[:20]}
            },
            status=400,
        )
    try:
        return contract_pdf(contract, language)
    except ContractPdfError as exc:
        return render(request, "core/bad_request.html", {"reason": str(exc)}, status=400)


def contract_pdf(contract: Contract, language: str) -> HttpResponse:
    """A signed contract prints from its stored file in the language it was signed in; in the
    other language, or as a draft's preview, it is made from the contract's facts. The pages
    and the API serve the contract through this one function."""
    signed_language = contract.document.get("language")
    if contract.pdf and language == signed_language:
        response = FileResponse(contract.pdf.open("rb"), content_type="application/pdf")
    else:
        document = contract_document(
            contract=contract,
            terms=contract_terms(contract),
            language=language,
            signature=contract.document.get("signature"),
            trip_fees=selectors.contract_trip_fees(contract=contract),
        )
        response = HttpResponse(render_contract_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- customer ------------------------------------------------------------------------------


def _own(request: HttpRequest, number: str) -> Contract:
    return get_object_or_404(Contract, number=number, customer__user=request.user)


@customer_required
def my_contracts(request: HttpRequest) -> HttpResponse:
    contracts = Contract.objects.filter(customer__user=request.user).order_by("-created_at")
    return render(request, "contracts/contract_list.html", {"contracts": contracts})


@customer_required
def my_contract(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "contracts/contract_detail.html", _context(_own(request, number)))


@customer_required
def my_contract_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf_response(_own(request, number), request)


# --- staff ---------------------------------------------------------------------------------


def _contract(number: str) -> Contract:
    return get_object_or_404(Contract.objects.select_related("customer", "address"), number=number)


@staff_required
def desk_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    contracts = Contract.objects.select_related("customer").order_by("-created_at")
    if status:
        contracts = contracts.filter(status=status)
    query_error = ""
    if len(query) > MAX_QUERY_LENGTH:
        query_error = _("Your search is too long: use at most %(n)s characters.") % {
            "n": MAX_QUERY_LENGTH
        }
        contracts = contracts.none()
    elif query:
        # A contract is found by its number, its customer (name or phone in any spacing) or any
        # of its units (asset tag or serial number, as read off the label).
        match = (
            Q(number__icontains=query)
            | Q(customer__name__icontains=query)
            | Q(units__asset__asset_tag__iexact=query)
            | Q(units__asset__serial_number__iexact=query)
        )
        if digits := phone_search_digits(query):
            match |= Q(customer__phone__contains=digits)
        contracts = contracts.filter(pk__in=Contract.objects.filter(match).values("pk"))
    return render(
        request,
        "contracts/staff/contract_list.html",
        {
            "contracts": contracts[:200],
            "status": status,
            "query": query,
            "query_error": query_error,
            "statuses": Contract.Status.choices,
        },
    )


@staff_required
def desk(request: HttpRequest, number: str) -> HttpResponse:
    contract = _contract(number)
    outstanding = [
        u
        for u in contract.units.select_related("asset", "model")
        if u.handed_over_at and not u.returned_at
    ]
    return_forms = [
        (
            unit,
            ReturnForm(
                prefix=f"u{unit.pk}",
                initial={"asset_tag": unit.asset.asset_tag},
                accessories=unit.model.accessories,
            ),
        )
        for unit in outstanding
    ]
    return render(
        request,
        "contracts/staff/contract_desk.html",
        {
            **_context(contract),
            "sign_form": SignForm(),
            "deposit_form": DepositForm(initial={"amount": contract.deposit_amount}),
            "scan_form": ScanForm(),
            "return_forms": return_forms,
            "payment_form": PaymentForm(),
            "extend_form": ExtendForm(),
            "term_form": TermForm(tier=contract.tier, values=_terms_now(contract)),
            "term_rows": _term_rows(contract),
            "distance_form": DistanceForm(initial={"distance_km": contract.distance_km}),
            "trip_fees": selectors.contract_trip_fees(contract=contract),
            "cancel_form": CancelForm(),
            "trail": audit.trail(contract)[:40],
        },
    )


def _terms_now(contract: Contract) -> dict:
    """The values that apply to this contract now (its own terms over the tier's)."""
    try:
        return contract_terms(contract).to_dict()
    except ApplicationError:
        return {}


def _term_rows(contract: Contract) -> list[dict]:
    from service_tickets.selectors import terms_in_force
    from service_tickets.terms_labels import term_rows

    published = terms_in_force().to_dict() if not contract.terms_snapshot else {}
    return term_rows(overrides=contract.terms_overrides, published=published)


def _act(request: HttpRequest, number: str, action) -> HttpResponse:
    contract = _contract(number)
    attempt(request, lambda: action(contract))
    return redirect("contracts:desk", number=number)


def _invalid(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@staff_required
@require_POST
def desk_sign(request: HttpRequest, number: str) -> HttpResponse:
    form = SignForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        lifecycle.contract_sign(
            contract=contract,
            by=request.user,
            place=form.cleaned_data["place"],
            signature=form.cleaned_data["signature"],
            language=form.cleaned_data["language"],
        )
        return _("Contract %(number)s is signed.") % {"number": contract.number}

    return _act(request, number, action)


@staff_required
@require_POST
def desk_deposit(request: HttpRequest, number: str) -> HttpResponse:
    form = DepositForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        lifecycle.contract_set_deposit(contract=contract, by=request.user, **form.cleaned_data)
        return _("Deposit changed.")

    return _act(request, number, action)


@staff_required
@require_POST
def desk_scan(request: HttpRequest, number: str) -> HttpResponse:
    form = ScanForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        before = contract.starts_at
        unit = lifecycle.contract_handover_scan(
            contract=contract, asset_tag=form.cleaned_data["asset_tag"], by=request.user
        )
        done = _("%(tag)s handed over.") % {"tag": unit.asset.asset_tag}
        unit.contract.refresh_from_db(fields=["starts_at"])
        if unit.contract.starts_at != before:
            rent = sum(unit.contract.units.values_list("rent", flat=True))
            done += " " + _(
                "Handed over early: the rental now starts at %(start)s (was %(old)s); "
                "the rent is re-priced to ¥%(rent)s."
            ) % {
                "start": f"{local(unit.contract.starts_at):%Y-%m-%d %H:%M}",
                "old": f"{local(before):%Y-%m-%d %H:%M}",
                "rent": rent,
            }
        return done

    return _act(request, number, action)


@staff_required
@require_POST
def desk_return(request: HttpRequest, number: str, unit_id: int) -> HttpResponse:
    contract = _contract(number)
    unit = get_object_or_404(contract.units.select_related("model", "asset"), pk=unit_id)
    form = ReturnForm(
        request.POST,
        prefix=f"u{unit.pk}",
        accessories=unit.model.accessories,
    )

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        data = form.cleaned_data
        lifecycle.contract_return_unit(
            contract=contract,
            asset_tag=unit.asset.asset_tag,
            condition=data["condition"],
            missing_accessories=data["missing"],
            damage_amount=data["damage_amount"] or 0,
            notes=data["notes"],
            by=request.user,
        )
        return _("%(tag)s checked in.") % {"tag": unit.asset.asset_tag}

    return _act(request, number, action)


@staff_required
@require_POST
def desk_payment(request: HttpRequest, number: str) -> HttpResponse:
    form = PaymentForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        charges.payment_record(contract=contract, by=request.user, **form.cleaned_data)
        return _("Payment recorded.")

    return _act(request, number, action)


@staff_required
@require_POST
def desk_extend(request: HttpRequest, number: str) -> HttpResponse:
    form = ExtendForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        day = form.cleaned_data["end_date"]
        ends_at = datetime(
            day.year, day.month, day.day, form.cleaned_data["end_hour"], tzinfo=SHANGHAI
        )
        lifecycle.contract_extend(contract=contract, ends_at=ends_at, by=request.user)
        return _("Rental extended.")

    return _act(request, number, action)


@staff_required
def desk_close(request: HttpRequest, number: str) -> HttpResponse:
    """Closing asks first: it shows what happens to the balance, the deposit and the tickets,
    and needs the refund's method and reference and a confirmation."""
    from service_tickets import services as ticket_services

    contract = _contract(number)
    plan = settlement.contract_settlement(contract=contract)
    form = CloseForm(request.POST or None)
    if plan.refund <= 0:
        # Nothing goes back to the customer: there is no refund to describe.
        del form.fields["refund_method"], form.fields["refund_reference"]
    if request.method == "POST" and form.is_valid():
        try:
            _contract_, cancelled = ticket_services.contract_close_with_tickets(
                contract=contract,
                by=request.user,
                refund_method=form.cleaned_data.get("refund_method", ""),
                refund_reference=form.cleaned_data.get("refund_reference", ""),
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Contract %(number)s is settled and closed.") % {"number": contract.number}
                + (
                    " "
                    + _("Tickets cancelled: %(numbers)s.")
                    % {"numbers": ", ".join(t.number for t in cancelled)}
                    if cancelled
                    else ""
                ),
            )
            return redirect("contracts:desk", number=number)
    return render(
        request,
        "contracts/staff/close.html",
        {
            **_context(contract),
            "form": form,
            "settlement": plan,
            "open_tickets": [t for t in contract.tickets.all() if t.can_cancel()],
            "write_off_form": WriteOffForm(),
            "refund_form": RefundForm(initial={"amount": -plan.still_owed}),
            "can_write_off": request.user.is_superuser
            or request.user.in_staff_group(request.user.StaffGroup.MANAGER),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def desk_distance(request: HttpRequest, number: str) -> HttpResponse:
    form = DistanceForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        contract = distance.contract_confirm_distance(
            contract=contract, by=request.user, **form.cleaned_data
        )
        delivery, pickup = selectors.contract_trip_fees(contract=contract)
        return _(
            "Road distance confirmed: %(km)s km; delivery ¥%(delivery)s, pickup ¥%(pickup)s."
        ) % {"km": contract.distance_km, "delivery": delivery, "pickup": pickup}

    return _act(request, number, action)


@staff_required
@require_POST
def desk_refund(request: HttpRequest, number: str) -> HttpResponse:
    return _settling_step(
        request,
        number,
        RefundForm(request.POST),
        lambda contract, data: charges.payment_refund(contract=contract, by=request.user, **data),
        _("¥%(amount)s overpaid handed back to the customer."),
    )


@staff_required
@require_POST
def desk_write_off(request: HttpRequest, number: str) -> HttpResponse:
    return _settling_step(
        request,
        number,
        WriteOffForm(request.POST),
        lambda contract, data: settlement.contract_write_off(
            contract=contract, by=request.user, **data
        ),
        _("¥%(amount)s written off."),
    )


def _settling_step(request, number: str, form, step, done: str) -> HttpResponse:
    """A step of the close page (a refund, a write-off): run it, say how it went, and show the
    close page again with the settlement it changed."""
    contract = _contract(number)
    try:
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        step(contract, form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"amount": form.cleaned_data["amount"]})
    return redirect("contracts:desk_close", number=number)


@staff_required
@require_POST
def desk_cancel(request: HttpRequest, number: str) -> HttpResponse:
    form = CancelForm(request.POST)

    def action(contract):
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        lifecycle.contract_cancel(contract=contract, by=request.user, **form.cleaned_data)
        return _("Contract %(number)s is cancelled.") % {"number": contract.number}

    return _act(request, number, action)


@staff_required
def desk_pdf(request: HttpRequest, number: str) -> HttpResponse:
    return _pdf_response(_contract(number), request)


@staff_required
def desk_statement_csv(request: HttpRequest, number: str) -> HttpResponse:
    contract = _contract(number)
    statement = charges.contract_statement(contract=contract)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{contract.number}-statement.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([_("Date"), _("Item"), _("Charge"), _("Payment")])
    for charge in statement.charges:
        writer.writerow(
            [
                f"{charge.created_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                charge.description,
                charge.amount,
                "",
            ]
        )
    for payment in statement.payments:
        writer.writerow(
            [
                f"{payment.received_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                payment_text(payment),
                "",
                payment.amount,
            ]
        )
    writer.writerow([_("Balance"), "", statement.balance, ""])
    return response


@staff_required
@require_POST
def desk_term(request: HttpRequest, number: str) -> HttpResponse:
    def action(contract):
        if request.POST.get("clear"):
            lifecycle.contract_clear_term(
                contract=contract, key=request.POST["clear"], by=request.user
            )
            return _("Service term removed.")
        form = TermForm(request.POST, tier=contract.tier, values=_terms_now(contract))
        if not form.is_valid():
            raise ApplicationError(_invalid(form))
        lifecycle.contract_set_term(contract=contract, by=request.user, **form.cleaned_data)
        return _("Service term set for this contract.")

    return _act(request, number, action)
