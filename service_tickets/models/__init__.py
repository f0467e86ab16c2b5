from .rollups import TicketMinutes, TicketPiece
from .terms import TermsVersion
from .tickets import Ticket

__all__ = ["TermsVersion", "Ticket", "TicketMinutes", "TicketPiece"]
