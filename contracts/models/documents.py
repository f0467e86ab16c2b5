"""Copies of identity documents. The files live outside every public URL (PRIVATE_MEDIA_ROOT)
and are read only through a view that checks who is asking."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .customers import Customer, Guarantor


class PrivateStorage(FileSystemStorage):
    """A file storage with no base URL: nothing in it can be linked to directly. Its folder is
    read from settings.PRIVATE_MEDIA_ROOT on every use, never frozen into a migration."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


def document_path(instance: "IdentityDocument", filename: str) -> str:
    # The customer's file name is never used: it may carry personal data or path tricks.
    return f"documents/{instance.customer_id}/{instance.kind}-{instance.sha256[:16]}"


class IdentityDocument(models.Model):
    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("Business licence (营业执照) copy")
        REPRESENTATIVE_ID = "representative_id", _("Responsible person's ID card copy")
        OWN_ID = "own_id", _("Your own ID card copy")
        GUARANTOR_ID = "guarantor_id", _("Guarantor's ID card copy")
        HOUSEHOLD_REGISTER = "household_register", _("Guarantor's household register page (户口本)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for staff")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="documents")
    guarantor = models.ForeignKey(
        Guarantor, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=30, choices=Kind)
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    reject_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="contracts_document_allowed_type",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="contracts_document_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_at__isnull=False),
                name="contracts_document_review_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_kind_display()}"

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    def can_review(self) -> bool:
        return self.status == self.Status.PENDING
