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
