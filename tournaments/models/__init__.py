"""The domain: one module per aggregate, all re-exported here."""
from .audit import AuditLog
from .comms import Announcement, Notification
from .dispute import Dispute
from .game import Game
from .lobby import Lobby, LobbyEntry
from .match import Match, MatchReport
from .payment import Payment
from .people import Player, Team, TeamMembership
from .registration import Registration
from .stage import Placement, Stage
from .tournament import PaymentMethod, Tournament, TournamentStaff

__all__ = [
    "Announcement", "AuditLog", "Dispute", "Game", "Lobby", "LobbyEntry", "Match", "MatchReport", "Notification", "Payment",
    "PaymentMethod", "Placement", "Player", "Registration", "Stage", "Team", "TeamMembership", "Tournament", "TournamentStaff",
]
