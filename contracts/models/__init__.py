from .contracts import Contract, ContractUnit
from .customers import Address, Customer, Guarantor
from .documents import IdentityDocument
from .money import Charge, DepositEntry, Payment
from .reservations import Inspection, Reservation, ReservationLine, ReservationUnit
from .rollups import ContractMonth, ReturnPiece, RevenuePiece, UnitMonthRental

__all__ = [
    "Address",
    "Charge",
    "Contract",
    "ContractMonth",
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
