"""Identity documents: the customer's "My documents" page, the file itself, staff's review.

Who may see a document is decided here, on every request: its customer, or staff. Everyone else,
logged out included, gets 404 on the file and on staff's document pages, so not even the
existence of a document shows.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from rental.core.errors import ApplicationError
from rental.core.flash import attempt
from rental.core.models import AuditEvent
from rental.core.permissions import customer_required
from rental.core.phones import PhoneError, display_phone
from rental.core.redirects import safe_next
from rental.core.timeutil import SHANGHAI

from .. import pdfcheck, selectors
from ..forms_documents import DocumentUploadForm, GuarantorForm, RejectForm, VerifyForm
from ..identity import IdentityError, is_adult_on, mask_resident_id, suggests_xiamen
from ..models import Customer, Guarantor, IdentityDocument
from ..models.documents import private_storage
from ..services import documents as services
from ..services.documents import GuarantorError

log = logging.getLogger(__name__)

_EXTENSIONS = {services.JPEG: "jpg", services.PNG: "png", services.PDF: "pdf"}


def _today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def staff_or_404(view):
    """Staff only; any other logged-in user is told the page does not exist."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff_member:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _next_or(request: HttpRequest, default: str) -> str:
    return safe_next(request, default)


# --- The file -------------------------------------------------------------------------------


@never_cache
@require_GET
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored copy, to its customer and to staff only; 404 for everyone else."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    documents = IdentityDocument.objects.all()
    if user.is_staff_member:
        pass
    elif user.is_customer:
        documents = documents.filter(customer__user=user)
    else:
        raise Http404
    document = get_object_or_404(documents, pk=pk)
    try:
        handle = private_storage.open(document.file.name, "rb")
    except FileNotFoundError as exc:
        log.error("Identity document %s has no file at %s", document.pk, document.file.name)
        raise Http404 from exc
    inline = _safe_inline(document, handle)
    response = FileResponse(
        handle,
        content_type=document.content_type
        if document.content_type in _EXTENSIONS
        else "application/octet-stream",
        as_attachment=not inline,
        filename=f"{document.kind}-{document.pk}.{_EXTENSIONS.get(document.content_type, 'bin')}",
    )
    # Even a file that slipped past the upload checks cannot run script in our origin: the
    # browser shows it in a sandbox with no scripts, forms or same-origin access, never sniffed.
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _safe_inline(document: IdentityDocument, handle) -> bool:
    """Images are shown in the page; a PDF only if it passes today's active-content check
    (copies stored before that check existed are re-checked here), else it is downloaded."""
    if document.content_type in (services.JPEG, services.PNG):
        return True
    if document.content_type != services.PDF:
        return False
    content = handle.read(services.max_bytes() + 1)
    handle.seek(0)
    return pdfcheck.check(content).ok


# --- The customer's page --------------------------------------------------------------------


def _own_customer(request: HttpRequest) -> Customer | None:
    return Customer.objects.filter(user=request.user).first()


def _sections(customer: Customer, guarantor: Guarantor | None, bound: DocumentUploadForm | None):
    """One entry per document kind the customer is asked for, newest copies first."""
    documents = list(
        IdentityDocument.objects.filter(customer=customer).order_by("-uploaded_at", "-pk")
    )
    kinds = services.kinds_for(customer)
    labels = dict(IdentityDocument.Kind.choices)
    sections = []
    for kind in kinds:
        needs_guarantor = kind in services.GUARANTOR_KINDS
        copies = [
            d
            for d in documents
            if d.kind == kind
            and (not needs_guarantor or (guarantor is not None and d.guarantor_id == guarantor.pk))
        ]
        if bound is not None and bound.data.get("kind") == kind:
            form = bound
        else:
            form = DocumentUploadForm(kinds=kinds, initial={"kind": kind})
        sections.append(
            {
                "kind": kind,
                "label": labels[kind],
                "documents": copies,
                "verified": any(d.status == IdentityDocument.Status.VERIFIED for d in copies),
                "form": form,
                "blocked": needs_guarantor and guarantor is None,
            }
        )
    return sections


def _documents_page(
    request: HttpRequest,
    customer: Customer,
    *,
    upload_form: DocumentUploadForm | None = None,
    guarantor_form: GuarantorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    guarantor = services.active_guarantor(customer)
    if guarantor_form is None and not customer.is_company:
        guarantor_form = GuarantorForm(
            initial={"name": guarantor.name, "phone": display_phone(guarantor.phone)}
            if guarantor
            else None
        )
    return render(
        request,
        "contracts/documents/my_documents.html",
        {
            "customer": customer,
            "sections": _sections(customer, guarantor, upload_form),
            "guarantor": guarantor,
            "guarantor_masked_id": mask_resident_id(guarantor.id_number) if guarantor else "",
            "guarantor_form": guarantor_form,
            "waiver": selectors.customer_waiver(customer=customer, on=_today()),
            "max_per_kind": services.max_per_kind(),
            "max_megabytes": services.max_megabytes(),
        },
        status=status,
    )


@customer_required
def document_list(request: HttpRequest) -> HttpResponse:
    customer = _own_customer(request)
    if customer is None:
        messages.info(request, _("Tell us who is renting before you upload documents."))
        return redirect("contracts:profile")
    return _documents_page(request, customer)


@customer_required
@require_POST
def document_upload(request: HttpRequest) -> HttpResponse:
    customer = _own_customer(request)
    if customer is None:
        return redirect("contracts:profile")
    form = DocumentUploadForm(request.POST, request.FILES, kinds=services.kinds_for(customer))
    if form.is_valid():
        try:
            services.document_upload(
                customer=customer,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
            )
        except ApplicationError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request, _("Thank you. Staff will check the copy, usually within one working day.")
            )
            return redirect("contracts:document_list")
    return _documents_page(request, customer, upload_form=form, status=400)


@customer_required
@require_POST
def guarantor_set(request: HttpRequest) -> HttpResponse:
    customer = _own_customer(request)
    if customer is None:
        return redirect("contracts:profile")
    form = GuarantorForm(request.POST)
    if form.is_valid():
        try:
            services.guarantor_set(customer=customer, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(_guarantor_field(exc), str(exc))
        else:
            messages.success(
                request, _("Guarantor saved. Now upload a copy of their ID card and 户口本 page.")
            )
            return redirect("contracts:document_list")
    return _documents_page(request, customer, guarantor_form=form, status=400)


def _guarantor_field(exc: ApplicationError) -> str | None:
    if isinstance(exc, IdentityError):
        return "id_number"
    if isinstance(exc, PhoneError):
        return "phone"
    if isinstance(exc, GuarantorError) and exc.code in {"self", "minor"}:
        return "id_number"
    if isinstance(exc, GuarantorError) and exc.code == "name":
        return "name"
    return None


# --- Staff ----------------------------------------------------------------------------------


def _with_forms(documents):
    for document in documents:
        document.verify_form = VerifyForm(
            prefix=f"v{document.pk}",
            initial={"representative_id": document.customer.representative_id},
        )
        document.reject_form = RejectForm(prefix=f"r{document.pk}")
    return documents


@staff_or_404
def document_queue(request: HttpRequest) -> HttpResponse:
    """Copies waiting for staff, oldest first."""
    pending = _with_forms(
        list(
            IdentityDocument.objects.filter(status=IdentityDocument.Status.PENDING)
            .select_related("customer", "guarantor", "uploaded_by")
            .order_by("uploaded_at", "pk")[:100]
        )
    )
    return render(request, "contracts/documents/queue.html", {"documents": pending})


@staff_or_404
def document_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything staff need to decide a customer's deposit waiver, with the copies to review."""
    customer = get_object_or_404(Customer, pk=customer_id)
    today = _today()
    guarantor = services.active_guarantor(customer)
    order = {kind: i for i, kind in enumerate(services.kinds_for(customer))}
    documents = _with_forms(
        sorted(
            IdentityDocument.objects.filter(customer=customer)
            .select_related("customer", "guarantor", "reviewed_by", "uploaded_by")
            .order_by("-uploaded_at", "-pk"),
            key=lambda d: order.get(d.kind, len(order)),
        )
    )
    return render(
        request,
        "contracts/documents/staff_customer.html",
        {
            "customer": customer,
            "waiver": selectors.customer_waiver(customer=customer, on=today),
            "guarantor": guarantor,
            "guarantor_adult": is_adult_on(guarantor.id_number, today) if guarantor else None,
            "guarantor_3502": suggests_xiamen(guarantor.id_number) if guarantor else None,
            "former_guarantors": customer.guarantors.filter(is_active=False).order_by("-pk"),
            "documents": documents,
            "trail": _trail(customer, documents),
        },
    )


def _trail(customer: Customer, documents) -> list[AuditEvent]:
    """The customer's own events and those of their documents and guarantors, newest first."""
    guarantor_ids = [str(pk) for pk in customer.guarantors.values_list("pk", flat=True)]
    return list(
        AuditEvent.objects.filter(
            Q(object_type=Customer._meta.label_lower, object_id=str(customer.pk))
            | Q(
                object_type=IdentityDocument._meta.label_lower,
                object_id__in=[str(d.pk) for d in documents],
            )
            | Q(object_type=Guarantor._meta.label_lower, object_id__in=guarantor_ids)
        ).select_related("actor")[:30]
    )


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_next_or(request, reverse("contracts:document_queue")))


@staff_or_404
@require_POST
def document_verify(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(IdentityDocument, pk=pk)
    form = VerifyForm(request.POST, prefix=f"v{pk}")
    form.is_valid()
    attempt(
        request,
        lambda: services.document_verify(
            document=document,
            by=request.user,
            representative_id=form.cleaned_data.get("representative_id", ""),
        ),
        _("%(document)s of %(customer)s verified.")
        % {"document": document.get_kind_display(), "customer": document.customer},
    )
    return _back(request)


@staff_or_404
@require_POST
def document_reject(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(IdentityDocument, pk=pk)
    form = RejectForm(request.POST, prefix=f"r{pk}")
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    attempt(
        request,
        lambda: services.document_reject(document=document, by=request.user, reason=reason),
        _("%(document)s of %(customer)s rejected.")
        % {"document": document.get_kind_display(), "customer": document.customer},
    )
    return _back(request)


@staff_or_404
@require_POST
def guarantor_confirm_household(request: HttpRequest, pk: int) -> HttpResponse:
    guarantor = get_object_or_404(Guarantor, pk=pk)
    attempt(
        request,
        lambda: services.guarantor_confirm_household(guarantor=guarantor, by=request.user),
        _("Xiamen household registration of %(name)s confirmed.") % {"name": guarantor.name},
    )
    return redirect(
        _next_or(request, reverse("contracts:document_customer", args=[guarantor.customer_id]))
    )
