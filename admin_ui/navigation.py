"""The Command Center sidebar, organised by workflow rather than by model."""
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _item(title, icon, url, perm=None):
    item = {"title": title, "icon": icon, "link": url}
    if perm:
        item["permission"] = perm
    return item


def _can_view(model):
    def check(request):
        return request.user.is_superuser or request.user.has_perm(f"tournaments.view_{model}")
    return check


def sidebar_navigation(request):
    return [
        {
            "title": _("Event day"),
            "separator": False,
            "items": [
                _item(_("Dashboard"), "dashboard", reverse_lazy("admin:index")),
                _item(_("Tournaments"), "emoji_events", reverse_lazy("admin:tournaments_tournament_changelist"), _can_view("tournament")),
                _item(_("Registrations & check-in"), "how_to_reg", reverse_lazy("admin:tournaments_registration_changelist"), _can_view("registration")),
                _item(_("Sanctions"), "block", reverse_lazy("admin:tournaments_sanction_changelist"), _can_view("sanction")),
                _item(_("Promo codes"), "sell", reverse_lazy("admin:tournaments_promocode_changelist"), _can_view("promocode")),
                _item(_("Payments"), "payments", reverse_lazy("admin:tournaments_payment_changelist"), _can_view("payment")),
                _item(_("Matches & results"), "sports_esports", reverse_lazy("admin:tournaments_match_changelist"), _can_view("match")),
                _item(_("Disputes"), "gavel", reverse_lazy("admin:tournaments_dispute_changelist"), _can_view("dispute")),
                _item(_("Announcements"), "campaign", reverse_lazy("admin:tournaments_announcement_changelist"), _can_view("announcement")),
                _item(_("Public tournament list"), "public", reverse_lazy("lobby:index"), lambda r: r.user.is_staff),
                _item(_("Templates"), "bookmarks", reverse_lazy("admin:tournaments_tournamenttemplate_changelist"),
                      _can_view("tournamenttemplate")),
            ],
        },
        {
            "title": _("Seasons & reports"),
            "separator": True,
            "items": [
                _item(_("Seasons & leaderboards"), "leaderboard", reverse_lazy("admin:tournaments_season_changelist"), _can_view("season")),
                _item(_("Reports"), "monitoring", reverse_lazy("admin_ui:organizer_report"), lambda r: r.user.is_staff),
            ],
        },
        {
            "title": _("Prizes & proof"),
            "separator": True,
            "items": [
                _item(_("Payouts"), "paid", reverse_lazy("admin:tournaments_payout_changelist"), _can_view("payout")),
                _item(_("Certificates"), "workspace_premium", reverse_lazy("admin:tournaments_certificate_changelist"),
                      _can_view("certificate")),
                _item(_("Webhooks"), "webhook", reverse_lazy("admin:tournaments_webhookendpoint_changelist"),
                      _can_view("webhookendpoint")),
                _item(_("Jobs"), "work_history", reverse_lazy("admin_ui:jobs"), lambda r: r.user.is_staff),
            ],
        },
        {
            "title": _("Records"),
            "separator": True,
            "items": [
                _item(_("Audit log"), "history", reverse_lazy("admin:tournaments_auditlog_changelist"), _can_view("auditlog")),
                _item(_("People"), "person", reverse_lazy("admin:tournaments_player_changelist"), _can_view("player")),
                _item(_("Teams"), "groups", reverse_lazy("admin:tournaments_team_changelist"), _can_view("team")),
                _item(_("Games"), "stadia_controller", reverse_lazy("admin:tournaments_game_changelist"), _can_view("game")),
                _item(_("Users"), "manage_accounts", reverse_lazy("admin:auth_user_changelist"), lambda r: r.user.is_superuser),
            ],
        },
    ]
