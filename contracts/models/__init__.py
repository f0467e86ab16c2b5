from .contracts import Contract, ContractUnit
from .customers import Address, Customer, Guarantor
from .documents import IdentityDocument
from .money import Charge, DepositEntry, Payment
from .reservations import Inspection, Reservation, ReservationLine, ReservationUnit
from .rollups import ReturnPiece, RevenuePiece, UnitMonthRental

__all__ = [
    "Address",
    "Charge",
    "Contract",
    "ContractUnit",
    "Customer",
    "DepositEntry",
    "Guarantor",
    "IdentityDocument",
    "Inspection",
    "Payment",
    "Reservation",
    "ReservationLine",
    "ReservationUnit",
    "ReturnPiece",
    "RevenuePiece",
    "UnitMonthRental",
]
