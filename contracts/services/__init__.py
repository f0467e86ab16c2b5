from .customers import address_add, customer_create
from .inspections import (
    inspection_book,
    inspection_cancel,
    inspection_confirm,
    inspection_record_outcome,
    inspections_remind_due,
    showroom_slots,
)
from .reservations import (
    ReservationItem,
    reservation_cancel,
    reservation_create,
    reservation_expire,
    reservation_quote,
    reservations_expire_due,
)

__all__ = [
    "ReservationItem",
    "address_add",
    "customer_create",
    "inspection_book",
    "inspection_cancel",
    "inspection_confirm",
    "inspection_record_outcome",
    "inspections_remind_due",
    "reservation_cancel",
    "reservation_create",
    "reservation_expire",
    "reservation_quote",
    "reservations_expire_due",
    "showroom_slots",
]
