"""Published tier terms as versioned records: staff add a version, nobody rewrites one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from ..terms import ServiceTerms


class TermsVersion(models.Model):
    """One version of the published service terms (`ServiceTerms.to_dict()`).

    Version 1 is DOMAIN.md's values, written by a data migration. Editing the terms in the console
    adds the next version; a trigger refuses UPDATE and DELETE so a version a contract was signed
    under can never change under it.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    data = models.JSONField(_("terms"))
    effective_from = models.DateTimeField(_("in force from"), db_index=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service terms version")
        verbose_name_plural = _("service terms")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1), name="service_terms_version_positive"
            ),
            # The number inside the snapshot is the row's: a contract copying `data` copies it.
            models.CheckConstraint(
                condition=Q(version=Cast(KT("data__version"), models.IntegerField())),
                name="service_terms_version_matches_data",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Service terms version %(version)s") % {"version": self.version})

    def terms(self) -> ServiceTerms:
        return ServiceTerms.from_dict(self.data)
