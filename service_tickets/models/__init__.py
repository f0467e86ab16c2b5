from .rollups import ServicePercentile, TicketMinutes, TicketPiece
from .terms import TermsVersion
from .tickets import Ticket

__all__ = ["ServicePercentile", "TermsVersion", "Ticket", "TicketMinutes", "TicketPiece"]
