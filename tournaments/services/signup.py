"""The public sign-up: a person with no account enters a tournament from its sign-up page.

Identity (decision, issue 8): a player is identified by e-mail. An address we already know reuses
that player (their display name and game IDs stay as recorded: a stranger typing someone's address
changes nothing about them, and the lobby link goes to the owner of the address, never to the
page); a new address creates a player through ``setup.create_player`` (game ID validated for the
tournament's game). In a team tournament the person signing up is the captain of a new team (a team
tag already taken in the game is refused unless this captain owns it).

Everything happens in one transaction: player, team, ``registrations.register`` (window, capacity
and waitlist, duplicates, sanctions, custom-field answers), the promo code (row-locked usage count)
and the private lobby link (``lobby_access.ensure_link``), which is mailed after commit and never
shown on the page or stored in clear. A refusal anywhere leaves nothing behind.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Player, Registration, Team, Tournament
from . import custom_fields, lobby_access, promos, registrations, setup
from .errors import DomainError


def window_problem(tournament, now=None) -> str | None:
    """Why the public cannot sign up right now, or None."""
    now = now or timezone.now()
    fmt = "%Y-%m-%d %H:%M"
    if tournament.status != Tournament.Status.REGISTRATION_OPEN:
        return _("Registration for “%(t)s” is not open (the tournament is %(s)s).") % {
            "t": tournament.name, "s": tournament.get_status_display().lower()}
    if now < tournament.registration_opens_at:
        return _("Registration for “%(t)s” opens on %(d)s.") % {"t": tournament.name, "d": timezone.localtime(tournament.registration_opens_at).strftime(fmt)}
    if now >= tournament.registration_closes_at:
        return _("Registration for “%(t)s” closed on %(d)s.") % {"t": tournament.name, "d": timezone.localtime(tournament.registration_closes_at).strftime(fmt)}
    return None


def _field_error(field: str, message: str, code: str = "invalid") -> DomainError:
    return DomainError(message, code=code, details={"fields": {field: message}})


def _player(tournament, *, display_name, email, game_id) -> Player:
    email = (email or "").strip().lower()
    if not email:
        raise _field_error("email", _("Enter your e-mail address; your private lobby link is sent there."))
    existing = Player.objects.filter(email__iexact=email).order_by("id").first()
    if existing is not None:
        return existing
    game_ids = {tournament.game.slug: game_id} if (game_id or "").strip() else {}
    try:
        return setup.create_player(actor=None, display_name=display_name, email=email, game_ids=game_ids)
    except DomainError as exc:
        field = "game_id" if exc.code == "game_id" else "display_name"
        raise DomainError(exc.message, code=exc.code, details={"fields": {field: exc.message}}) from exc


def _team(tournament, captain: Player, *, team_name, team_tag) -> Team:
    tag = (team_tag or "").strip().upper()
    if not (team_name or "").strip():
        raise _field_error("team_name", _("Enter your team's name."))
    if not tag:
        raise _field_error("team_tag", _("Enter your team's tag."))
    existing = Team.objects.filter(game_id=tournament.game_id, tag=tag).first()
    if existing is not None:
        if existing.captain_id != captain.pk:
            raise _field_error("team_tag", _("A %(g)s team with the tag %(t)s already exists; choose another tag.")
                               % {"g": tournament.game.name, "t": tag}, "duplicate")
        return existing
    try:
        return setup.create_team(actor=None, game=tournament.game, name=team_name, tag=tag, captain=captain)
    except DomainError as exc:
        raise DomainError(exc.message, code=exc.code, details={"fields": {"team_name": exc.message}}) from exc


def sign_up(tournament_id: int, *, display_name: str, email: str, game_id: str = "", team_name: str = "",
            team_tag: str = "", answers: dict | None = None, promo_code: str = "") -> Registration:
    """Enter the tournament as a player (solo) or a team (team events); returns the registration.
    The private lobby link is e-mailed after commit."""
    tournament = Tournament.objects.select_related("game").filter(pk=tournament_id).first()
    if tournament is None:
        raise DomainError(_("This tournament does not exist."), code="not_found")
    problem = window_problem(tournament)
    if problem:
        raise DomainError(problem, code="closed")
    with transaction.atomic():
        code = promos.normalise(promo_code)
        if code:
            promos.check(tournament, code)  # early, clear answer before anything is created
        player = _player(tournament, display_name=display_name, email=email, game_id=game_id)
        team = _team(tournament, player, team_name=team_name, team_tag=team_tag) if tournament.is_team else None
        registration = registrations.register(tournament, player=None if team else player, team=team,
                                              answers=answers, actor=None)
        if code:
            promos.redeem(registration.pk, code, actor=None)
        lobby_access.ensure_link(registration.pk, actor=None)
    registration.refresh_from_db()
    return registration


def check_answers(tournament, answers) -> dict:
    """Field messages for the answers alone (shown together with the form's own errors); {} if fine."""
    try:
        custom_fields.validate_answers(tournament, answers, store=False)
    except DomainError as exc:
        return exc.details.get("fields", {})
    return {}
