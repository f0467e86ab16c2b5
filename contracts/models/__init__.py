from .contracts import Contract, ContractUnit
from .customers import Address, Customer, Guarantor
from .money import Charge, DepositEntry, Payment
from .reservations import Inspection, Reservation, ReservationLine, ReservationUnit

__all__ = [
    "Address",
    "Charge",
    "Contract",
    "ContractUnit",
    "Customer",
    "DepositEntry",
    "Guarantor",
    "Inspection",
    "Payment",
    "Reservation",
    "ReservationLine",
    "ReservationUnit",
]
