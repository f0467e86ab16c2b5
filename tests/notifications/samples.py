"""Example contexts of every event, as the reservation flow and the service desk pass them."""

from datetime import datetime
from zoneinfo import ZoneInfo

XIAMEN = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=XIAMEN)


CONTEXTS = {
    "reservation.confirmed": {
        "number": "R20261122-0012",
        "items": [
            {"name": "Lenovo ThinkPad T14", "quantity": 3},
            {"name": "Epson CB-X50", "quantity": 1},
        ],
        "start": at(24, 9),
        "end": at(30, 18),
        "inspection_deadline": at(23, 10),
        "url": "https://rent.example.com/r/12/",
    },
    "inspection.reminder": {
        "number": "R20261122-0012",
        "inspection_at": at(23, 14, 30),
        "place": "厦门市思明区软件园二期望海路10号",
    },
    "reservation.expired": {"number": "R20261122-0012"},
    "reservation.cancelled": {"number": "R20261122-0012", "reason": "Customer request"},
    "ticket.at_risk": {"number": "T20261122-0005", "deadline": at(22, 16)},
    "ticket.breached": {"number": "T20261122-0005", "deadline": at(22, 16)},
    "contract.overdue": {"number": "C20261101-0009", "end": at(21, 18)},
}
