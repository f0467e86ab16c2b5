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


# What each staff group sees on the Today board and which reports it may open (a superuser is
# treated as a manager). Finance figures — revenue, deposits, customers — are for finance and
# managers only; the warehouse sees the equipment, the front desk the day's customers (and the
# identity documents, which only the front desk and managers may open: rental.core.access).
BOARD_SECTIONS: dict[str, tuple[str, ...]] = {
    "front_desk": (
        "trips",
        "inspections",
        "returns_due",
        "overdue",
        "tickets",
        "documents",
        "holds",
    ),
    "warehouse": ("trips", "inspections", "returns_due", "overdue"),
    "finance": ("returns_due", "overdue"),
    "manager": (
        "trips",
        "inspections",
        "returns_due",
        "overdue",
        "tickets",
        "documents",
        "holds",
    ),
}
REPORT_GROUPS: dict[str, tuple[str, ...]] = {
    "utilisation": ("manager", "finance", "warehouse"),
    "per_unit": ("manager", "finance", "warehouse"),
    "revenue": ("manager", "finance"),
    "deposits": ("manager", "finance"),
    "returns": ("manager", "finance", "front_desk", "warehouse"),
    "service": ("manager", "front_desk"),
    "customers": ("manager", "finance"),
}


def staff_groups(user) -> set[str]:
    """The user's staff groups (one query); a superuser counts as a manager."""
    if not (user.is_authenticated and user.role == "staff"):
        return set()
    names = set(user.groups.values_list("name", flat=True))
    return names | {"manager"} if user.is_superuser else names


def board_sections(groups: set[str]) -> list[str]:
    seen: list[str] = []
    for group in ("manager", "front_desk", "warehouse", "finance"):
        if group in groups:
            seen += [s for s in BOARD_SECTIONS[group] if s not in seen]
    return seen


def reports_for(groups: set[str]) -> list[str]:
    return [key for key, allowed in REPORT_GROUPS.items() if groups & set(allowed)]
