from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Everyone who logs in. The role decides which pages are theirs; staff sub-roles are groups."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        STAFF = "staff", _("Staff")
        TECHNICIAN = "technician", _("Technician")

    class StaffGroup(models.TextChoices):
        FRONT_DESK = "front_desk", _("Front desk")
        WAREHOUSE = "warehouse", _("Warehouse")
        FINANCE = "finance", _("Finance")
        MANAGER = "manager", _("Manager")

    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CUSTOMER)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )
    # Set for customers who signed up themselves: they prove their phone or e-mail with a code
    # before their first reservation. Accounts created by staff are vouched for by staff.
    verification_required = models.BooleanField(_("contact to be verified"), default=False)
    contact_verified_at = models.DateTimeField(_("contact verified at"), null=True, blank=True)
    # What the customer said at sign-up, the profile form's starting point.
    signup_kind = models.CharField(_("renting as"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Only staff may use the Django admin.
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(role="staff"),
                name="accounts_user_admin_only_for_staff",
            ),
        ]

    def get_full_name(self) -> str:
        """Chinese names read family name first, with no space: 张伟, not 伟 张."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}"
        return " ".join(part for part in (first, last) if part)

    @property
    def is_customer(self) -> bool:
        return self.role == self.Role.CUSTOMER

    @property
    def is_technician(self) -> bool:
        return self.role == self.Role.TECHNICIAN

    @property
    def is_staff_member(self) -> bool:
        return self.role == self.Role.STAFF

    def in_staff_group(self, group: "User.StaffGroup") -> bool:
        return self.is_staff_member and (
            self.is_superuser or self.groups.filter(name=group.value).exists()
        )


class VerificationCode(models.Model):
    """A one-time code sent to prove a phone number or e-mail address (sign-up, recovery).

    Only a hash of the code is stored. A code expires, allows a few wrong guesses, and is used
    once; how many are sent per address is limited by counting these rows.
    """

    class Purpose(models.TextChoices):
        VERIFY = "verify", _("Verify contact")
        RECOVER = "recover", _("Recover account")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="verification_codes"
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    address = models.CharField(_("sent to"), max_length=254, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=["verify", "recover"]),
                name="accounts_code_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["sms", "email"]),
                name="accounts_code_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.address}"
