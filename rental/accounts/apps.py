from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "rental.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_group_permissions

        # Permissions exist only after every app has migrated, so groups get theirs then.
        post_migrate.connect(sync_group_permissions, dispatch_uid="accounts.sync_groups")
