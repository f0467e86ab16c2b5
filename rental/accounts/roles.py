"""What each staff group may do in the console, kept in code and applied after every migrate."""

from django.contrib.auth.models import Group, Permission

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

# app label → model → actions, per group. The manager group gets every permission.
GROUP_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "front_desk": {
        "contracts": {
            "customer": ("view", "add", "change"),
            "address": ALL,
            "guarantor": ALL,
            "reservation": ("view", "change"),
            "contract": ("view", "change"),
        },
        "catalog": {"equipmentmodel": VIEW, "asset": VIEW, "calendarentry": VIEW},
        "core": {"auditevent": VIEW},
        "service_tickets": {"ticket": ("view", "change"), "termsversion": VIEW},
    },
    "warehouse": {
        "catalog": {
            "category": ALL,
            "brand": ALL,
            "equipmentmodel": ALL,
            "modelphoto": ALL,
            "depot": ALL,
            "asset": ("view", "add", "change"),
            "calendarentry": VIEW,
        },
        "contracts": {"reservation": VIEW, "contract": VIEW},
    },
    "finance": {
        "contracts": {"customer": VIEW, "reservation": VIEW, "contract": VIEW},
        "core": {"auditevent": VIEW, "policy": ("view", "change")},
        "service_tickets": {"ticket": VIEW, "termsversion": VIEW},
    },
}


def sync_group_permissions(**kwargs) -> None:
    """Give each staff group exactly its permissions; run on post_migrate, idempotent."""
    for name in ("front_desk", "warehouse", "finance", "manager"):
        group, _ = Group.objects.get_or_create(name=name)
        if name == "manager":
            group.permissions.set(Permission.objects.all())
            continue
        wanted = []
        for app_label, models in GROUP_PERMISSIONS[name].items():
            for model, actions in models.items():
                codenames = [f"{action}_{model}" for action in actions]
                wanted += list(
                    Permission.objects.filter(
                        content_type__app_label=app_label, codename__in=codenames
                    )
                )
        group.permissions.set(wanted)
