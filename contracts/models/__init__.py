from .contracts import Contract, ContractUnit
from .customers import Address, Customer, Guarantor
from .reservations import Inspection, Reservation, ReservationLine, ReservationUnit

__all__ = [
    "Address",
    "Contract",
    "ContractUnit",
    "Customer",
    "Guarantor",
    "Inspection",
    "Reservation",
    "ReservationLine",
    "ReservationUnit",
]
