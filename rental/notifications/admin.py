from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was sent to whom: read-only; failed messages can be sent again."""

    list_display = (
        "created_at",
        "event",
        "channel",
        "recipient",
        "language",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("event", "channel", "status", "language")
    search_fields = ("key", "recipient", "subject", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    actions = ["retry_failed"]
    fields = (
        "event",
        "key",
        "channel",
        "recipient",
        "user",
        "language",
        "subject",
        "body",
        "params",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
        "handled_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        # Rows are never edited here, so the model's change permission is what allows a retry.
        return request.user.has_perm("notifications.change_notification")

    @admin.action(
        description=_("Send the selected failed notifications again"), permissions=["retry"]
    )
    def retry_failed(self, request, queryset):
        retried = 0
        for notification in queryset.filter(status=Notification.Status.FAILED):
            try:
                services.notification_retry(notification=notification, by=request.user)
            except services.NotificationError:
                continue  # another staff member retried it meanwhile
            retried += 1
        skipped = queryset.count() - retried
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification will be sent again.",
                    "%(count)d notifications will be sent again.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected notification was not failed and was left alone.",
                    "%(count)d selected notifications were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
