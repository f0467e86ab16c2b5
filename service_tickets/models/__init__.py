from .rollups import TicketPiece
from .terms import TermsVersion
from .tickets import Ticket

__all__ = ["TermsVersion", "Ticket", "TicketPiece"]
