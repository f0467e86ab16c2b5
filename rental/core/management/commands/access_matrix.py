"""Print the permission matrix (rental/core/access.py) as the Markdown table in the README."""

from django.core.management.base import BaseCommand

from rental.core.access import MATRIX, PRINCIPALS, PUBLIC, SIGNED_IN

SHORT = {
    "customer": "customer",
    "technician": "tech",
    "front_desk": "front desk",
    "warehouse": "warehouse",
    "finance": "finance",
    "manager": "manager",
}


def cell(rule, principal: str) -> str:
    def has(groups):
        return principal in groups or PUBLIC in groups or SIGNED_IN in groups

    read, write = has(rule.read), has(rule.write)
    if read and write:
        return "✓"
    if read:
        return "view"
    if write:
        return "act"
    return ""


class Command(BaseCommand):
    help = "Print the permission matrix as a Markdown table."

    def handle(self, *args, **options):
        self.stdout.write(
            "| URL name | anonymous | " + " | ".join(SHORT[p] for p in PRINCIPALS) + " |"
        )
        self.stdout.write("|---|" + "---|" * (len(PRINCIPALS) + 1))
        for name, rule in MATRIX.items():
            anonymous = "✓" if PUBLIC in rule.read else ""
            cells = [cell(rule, p) for p in PRINCIPALS]
            self.stdout.write(f"| `{name}` | {anonymous} | " + " | ".join(cells) + " |")
