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
    "account.verify": {"code": "482916", "minutes": 10},
    "account.recover": {"code": "482916", "minutes": 10},
    "staff.reservation.confirmed": {
        "number": "R20261122-0012",
        "customer_name": "厦门海峡会展有限公司",
        "items": [{"name": "Lenovo ThinkPad T14", "quantity": 3}],
        "start": at(24, 9),
        "end": at(30, 18),
        "inspection_deadline": at(23, 10),
    },
    "staff.reservation.cancelled": {
        "number": "R20261122-0012",
        "customer_name": "张伟",
        "reason": "Customer request",
    },
    "staff.reservation.expired": {"number": "R20261122-0012", "customer_name": "张伟"},
    "staff.contract.overdue": {
        "number": "C20261101-0009",
        "customer_name": "张伟",
        "end": at(21, 18),
    },
    "staff.inspection.booked": {
        "number": "R20261122-0012",
        "customer_name": "张伟",
        "inspection_at": at(23, 14),
        "place": "展厅",
    },
    "ticket.dispatched": {
        "number": "T20261122-0005",
        "deadline": at(22, 16),
        "address": "思明区软件园二期望海路10号",
        "contact_name": "李娜",
        "contact_phone": "138 5991 2345",
        "problem": "Hardware",
        "url": "https://rent.example.com/t/5/",
    },
    "document.verified": {"document": "营业执照影印件"},
    "document.rejected": {"document": "营业执照影印件", "reason": "照片模糊，看不清编号"},
}
