from django.contrib import admin

from . import audit
from .models import AuditEvent, Policy


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "action", "actor__username")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "turnaround_buffer_hours", "hold_expiry_hours", "updated_at")

    def has_add_permission(self, request):
        return not Policy.objects.exists()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: str(form.cleaned_data[name]) for name in form.changed_data}
        audit.record(request.user, "core.policy.changed", obj, **changed)

    def has_delete_permission(self, request, obj=None):
        return False
