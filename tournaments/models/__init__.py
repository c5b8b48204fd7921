"""The domain: one module per aggregate, all re-exported here."""
from .access import LobbyAccess
from .audit import AuditLog
from .certificates import Certificate
from .comms import Announcement, Notification
from .dispute import Dispute
from .game import Game
from .jobs import JobRun, ScheduleMark
from .imports import ImportJob
from .lobby import Lobby, LobbyEntry
from .match import Match, MatchReport
from .outbox import OutboxMessage
from .payment import Payment
from .payouts import DELTACOIN, Payout, PayoutRun, WalletEntry
from .people import Player, Team, TeamMembership
from .registration import Registration
from .signup import CustomField, PromoCode, PromoRedemption, Sanction
from .season import Season, SeasonSnapshot, SeasonStanding
from .stage import Placement, Stage
from .templates import TournamentTemplate
from .tournament import PaymentMethod, Tournament, TournamentStaff
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Certificate", "CustomField", "PromoCode", "PromoRedemption", "Sanction", "DELTACOIN", "JobRun", "Payout", "PayoutRun", "ScheduleMark", "WalletEntry", "WebhookDelivery", "WebhookEndpoint",
    "Announcement", "AuditLog", "Dispute", "Game", "ImportJob", "Lobby", "LobbyAccess", "LobbyEntry", "Match", "MatchReport", "Notification", "OutboxMessage", "Payment",
    "PaymentMethod", "Placement", "Season", "SeasonSnapshot", "SeasonStanding", "Player", "Registration", "Stage", "Team", "TeamMembership", "Tournament", "TournamentStaff", "TournamentTemplate",
]
