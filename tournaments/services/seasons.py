"""Seasons: create/edit a season, recompute its standings, read rankings for seeding and waivers.

Reading results is a fixed number of aggregate queries (placements, wins per registration,
head-to-head pairs, the last only when a tie reaches that rule), whatever the number of tournaments; the ranking itself is the
pure ``tournaments.seasons`` engine. A recompute rewrites the season's ``SeasonStanding`` rows in
bulk, keeps each entrant's previous rank (movement arrows) and stores a ``SeasonSnapshot``.

Recomputes are scheduled (``schedule_for_tournament``) by the services that change what a season
reads: ``tournaments.complete``, ``brackets.finish_stage_if_done`` (placements written) and
``matches.correct_result``. They run as the RQ job ``recompute_season_standings`` with the business
key ``season-standings-<id>`` after the commit, so one burst of changes queues one recompute.
"""
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import permissions
from .. import seasons as engine
from ..models import Match, Placement, Player, Season, SeasonSnapshot, SeasonStanding, Team, Tournament
from . import audit
from .base import is_user, lock, save_plain
from .errors import DomainError

KINDS = (SeasonStanding.Kind.PLAYER, SeasonStanding.Kind.TEAM)
COUNTED_EXCLUDED = [Tournament.Status.CANCELLED]


# ---- who may see / manage ---------------------------------------------------------------------------

def seasons_for(user):
    """Seasons a staff user may see: their own, and those that include a tournament they may view."""
    qs = Season.objects.all()
    if user.is_superuser:
        return qs
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return qs.none()
    return qs.filter(Q(organizer=user) | Q(tournaments__in=permissions.tournaments_for(user).values("pk"))).distinct()


def can_manage(user, season) -> bool:
    return bool(user is None or (is_user(user) and user.is_active and user.is_staff
                                 and (user.is_superuser or season.organizer_id == user.pk)))


def _require_manage(actor, season):
    if not can_manage(actor, season):
        raise DomainError(_("Only the season's organizer or an administrator can change “%(s)s”.") % {"s": season.name},
                          code="forbidden")


# ---- writes ------------------------------------------------------------------------------------------

def _check_tournaments(actor, season, tournament_ids):
    tournaments = list(Tournament.objects.filter(pk__in=tournament_ids).select_related("game"))
    missing = set(tournament_ids) - {t.pk for t in tournaments}
    if missing:
        raise DomainError(_("Unknown tournament(s): %(ids)s.") % {"ids": ", ".join(map(str, sorted(missing)))}, code="invalid")
    wrong_game = [t.name for t in tournaments if t.game_id != season.game_id]
    if wrong_game:
        raise DomainError(_("A season groups tournaments of one game; %(t)s are not %(g)s.")
                          % {"t": ", ".join(wrong_game), "g": season.game.name}, code="invalid")
    if actor is not None and not actor.is_superuser:
        foreign = [t.name for t in tournaments if not permissions.has_capability(actor, t, permissions.MANAGE)]
        if foreign:
            raise DomainError(_("You can only add tournaments you manage; not %(t)s.") % {"t": ", ".join(foreign)},
                              code="forbidden")
    return tournaments


def _validate(season):
    from django.core.exceptions import ValidationError

    try:
        season.full_clean(exclude=["organizer", "tournaments"])
    except ValidationError as exc:
        raise DomainError("; ".join(m for msgs in exc.message_dict.values() for m in msgs), code="invalid")


def create_season(*, actor, name: str, game, tournament_ids=(), slug: str = "", organizer=None, **fields) -> Season:
    """A new season owned by ``actor`` (an administrator may name another ``organizer``)."""
    if actor is not None and not (is_user(actor) and actor.is_staff):
        raise DomainError(_("Only staff can create seasons."), code="forbidden")
    owner = organizer if (organizer is not None and (actor is None or actor.is_superuser)) else actor
    if owner is None:
        raise DomainError(_("A season needs an organizer."), code="invalid")
    season = Season(name=(name or "").strip(), game=game, organizer=owner, slug=slug or slugify(name)[:80], **fields)
    _validate(season)
    with transaction.atomic():
        tournaments = _check_tournaments(actor, season, list(tournament_ids))
        save_plain(season, actor, reason="created")
        season.tournaments.set(tournaments)
        audit.log_action("season.create", actor=actor, target=season,
                         metadata={"tournaments": [t.pk for t in tournaments], "points": list(season.points_table)})
        schedule_recompute(season.pk, "season created")
    return season


def update_season(season_id: int, *, actor, changes: dict, tournament_ids=None, reason: str = "") -> Season:
    """Edit the season's settings and/or its tournaments; the table is recomputed after the commit."""
    editable = {"name", "slug", "points_preset", "custom_points", "best_of", "tiebreaks", "is_public"}
    unknown = set(changes) - editable
    if unknown:
        raise DomainError(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid")
    with transaction.atomic():
        season = lock(Season, season_id)
        _require_manage(actor, season)
        before = {f: getattr(season, f) for f in changes}
        for field, value in changes.items():
            setattr(season, field, value)
        _validate(season)
        save_plain(season, actor, reason="edited: " + ", ".join(sorted(changes)) if changes else "tournaments")
        metadata = {"before": {k: str(v) for k, v in before.items()}, "after": {k: str(v) for k, v in changes.items()}}
        if tournament_ids is not None:
            old = set(season.tournaments.values_list("pk", flat=True))
            new = set(tournament_ids)
            # an organizer keeps tournaments of other organizers already in the season, and may only add their own
            _check_tournaments(actor, season, sorted(new - old))
            season.tournaments.set(sorted(new))
            metadata["tournaments"] = {"added": sorted(new - old), "removed": sorted(old - new)}
        audit.log_action("season.edit", actor=actor, target=season, reason=reason, metadata=metadata)
        schedule_recompute(season.pk, "season edited")
    return season


# ---- reading results ---------------------------------------------------------------------------------

def _placements(tournament_ids):
    """(registration id, player id, team id, tournament id, rank) of those tournaments' placements:
    one query, plain tuples (no model instances)."""
    return (Placement.objects.filter(tournament_id__in=tournament_ids)
            .values_list("registration_id", "registration__player_id", "registration__team_id", "tournament_id", "rank"))


def _decided_matches(tournament_ids):
    return (Match.objects.filter(tournament_id__in=tournament_ids, status__in=[Match.Status.COMPLETED, Match.Status.FORFEITED],
                                 winner__isnull=False, slot_a_bye=False, slot_b_bye=False,
                                 slot_a__isnull=False, slot_b__isnull=False))


def _wins(tournament_ids) -> dict:
    return dict(_decided_matches(tournament_ids).values("winner_id").annotate(n=Count("id")).values_list("winner_id", "n"))


H2H_FILTER_MAX = 300  # registrations named in SQL (3 IN lists stay under SQLite's old 999-parameter limit)


def _head_to_head(tournament_ids, entrant, kind, needed) -> dict:
    """{(winner, loser): wins} among ``needed`` entrants of ``kind``, from one query.

    ``entrant`` maps registration id → ("player"|"team", id). The engine asks for this only when a
    tied group reaches the head-to-head rule, naming the entrants of those groups: a few of them are
    filtered in SQL, many are read in one pass and filtered here."""
    regs = [reg for reg, (k, e) in entrant.items() if k == kind and e in needed]
    if not regs:
        return {}
    matches = _decided_matches(tournament_ids)
    if len(regs) <= H2H_FILTER_MAX:
        matches = matches.filter(winner_id__in=regs, slot_a_id__in=regs, slot_b_id__in=regs)
    # one row per decided match (pairs rarely repeat, so a GROUP BY would not shrink the read); the
    # loser is whichever side did not win
    h2h = defaultdict(int)
    for winner, a, b in matches.values_list("winner_id", "slot_a_id", "slot_b_id"):
        w, l_ = entrant.get(winner), entrant.get(b if winner == a else a)
        if w and l_ and w[0] == kind and l_[0] == kind and w[1] in needed and l_[1] in needed:
            h2h[(w[1], l_[1])] += 1
    return h2h


def counted_tournaments(season) -> list[int]:
    """Tournaments of the season whose final placements exist (cancelled events never count),
    oldest first — the order the ``most_recent`` tiebreak reads."""
    return list(season.tournaments.exclude(status__in=COUNTED_EXCLUDED).filter(placements__isnull=False).distinct()
                .order_by(F("completed_at").asc(nulls_last=True), "starts_at", "pk").values_list("pk", flat=True))


def compute(tournament_ids, *, points_table, best_of=None, tiebreaks=engine.TIEBREAKS) -> dict:
    """{kind: [Row, …]} for the given tournaments (``tournament_ids`` oldest first).

    Two queries always (placements with their entrant; match wins per registration, GROUP BY); per
    entrant kind one more (head-to-head: winner and sides of the decided matches) only when a tied group reaches that rule and
    some match was won, limited to the entrants of those groups.
    Rows go to the engine as plain tuples in ``Result`` field order, built in one pass."""
    order = {t: i for i, t in enumerate(tournament_ids)}
    wins = _wins(tournament_ids)
    wins_of = wins.get
    entrant = {}  # registration id -> (kind, entrant id), for the head-to-head pairs
    players, teams = [], []
    add_player, add_team = players.append, teams.append
    for reg, player, team, tournament_id, rank in _placements(tournament_ids):
        if team:
            entrant[reg] = ("team", team)
            add_team((team, tournament_id, rank, wins_of(reg, 0), order[tournament_id]))
        else:
            entrant[reg] = ("player", player)
            if player is not None:
                add_player((player, tournament_id, rank, wins_of(reg, 0), order[tournament_id]))
    per_kind = {SeasonStanding.Kind.PLAYER: players, SeasonStanding.Kind.TEAM: teams}
    use_h2h = bool(wins) and "head_to_head" in (tiebreaks or ())  # no decided match at all: nothing to read

    def h2h_reader(kind):
        return lambda needed: _head_to_head(tournament_ids, entrant, kind, needed)
    return {kind: engine.season_standings(results, points_table=points_table, best_of=best_of, tiebreaks=tiebreaks,
                                          head_to_head=h2h_reader(kind) if use_h2h else None)
            for kind, results in per_kind.items()}


def recompute(season_id: int, *, actor=None, reason: str = "") -> Season:
    """Rewrite the season's table from the current placements and results; keep the previous ranks."""
    with transaction.atomic():
        season = lock(Season, season_id)
        if actor is not None:
            _require_manage(actor, season)
        try:
            tables = compute(counted_tournaments(season), points_table=season.points_table, best_of=season.best_of,
                             tiebreaks=season.tiebreaks)
        except ValueError as exc:
            raise DomainError(str(exc), code="invalid") from exc
        snapshot = {f"{kind}:{row.entrant}": [row.rank, row.points] for kind, rows in tables.items() for row in rows}
        latest = SeasonSnapshot.objects.filter(season=season).order_by("-revision").values_list("ranks", flat=True).first()
        if latest == snapshot and season.computed_at is not None:
            return season  # nothing changed since the last recompute: keep the movement arrows as they are
        previous = {(kind, player or team): rank for kind, player, team, rank in
                    SeasonStanding.objects.filter(season=season).values_list("kind", "player_id", "team_id", "rank")}
        SeasonStanding.objects.filter(season=season).delete()
        new_rows = []
        for kind, rows in tables.items():
            for row in rows:
                new_rows.append(SeasonStanding(
                    season=season, kind=kind, player_id=row.entrant if kind == "player" else None,
                    team_id=row.entrant if kind == "team" else None, rank=row.rank,
                    previous_rank=previous.get((kind, row.entrant)), points=row.points, total=row.total, events=row.events,
                    wins=row.wins, best_placement=row.best_placement, decided_by=row.decided_by))
        SeasonStanding.objects.bulk_create(new_rows, batch_size=2000)
        season.revision += 1
        season.computed_at = timezone.now()
        save_plain(season, actor, reason="standings recomputed", update_fields=["revision", "computed_at", "updated_at"])
        SeasonSnapshot.objects.create(season=season, revision=season.revision, reason=(reason or "")[:200], ranks=snapshot)
        audit.log_action("season.recompute", actor=actor, target=season, reason=reason,
                         metadata={"revision": season.revision, "entrants": len(new_rows)})
    return season


def schedule_recompute(season_id: int, reason: str = "") -> None:
    from .. import jobs

    jobs.enqueue(jobs.recompute_season_standings, season_id, reason, job_id=f"season-standings-{season_id}",
                 target={"model": "season", "id": season_id, "label": f"season #{season_id}"})


def schedule_for_tournament(tournament_id: int, reason: str = "") -> None:
    """Queue a recompute (after the commit) of every season that includes the tournament."""
    for season_id in Season.objects.filter(tournaments=tournament_id).values_list("pk", flat=True):
        schedule_recompute(season_id, reason)


# ---- reads for other features --------------------------------------------------------------------------

def season_ranking(season, entrant_kind: str) -> list[int]:
    """Player or team ids of ``season`` (a Season or its id), best first, as of the last recompute.

    ``entrant_kind`` is ``"player"`` or ``"team"``. Entrants sharing a rank keep a stable order (by
    id). One query; no permission check — callers (fee waivers for the top N, ranked seeding) have
    already decided the season applies. Pluggable as a ranking source, e.g.
    ``lambda: season_ranking(season, "team")[:n]``.
    """
    if entrant_kind not in KINDS:
        raise ValueError(f"entrant_kind must be 'player' or 'team'; got {entrant_kind!r}")
    season_id = season.pk if isinstance(season, Season) else int(season)
    column = "player_id" if entrant_kind == "player" else "team_id"
    return list(SeasonStanding.objects.filter(season_id=season_id, kind=entrant_kind)
                .order_by("rank", column).values_list(column, flat=True))


def standings(season, kind: str):
    """The season table with names, for pages and exports (two queries)."""
    return list(SeasonStanding.objects.filter(season=season, kind=kind).select_related("player", "team").order_by("rank", "id"))


def default_points(game) -> tuple[int, ...]:
    return engine.POINTS_PRESETS["battle_royale" if game.is_battle_royale else "f1"]


def all_time(game, kind: str, tournaments=None) -> list[dict]:
    """All-time table of a game: every tournament of the game with final placements, the game's
    default points table (battle royale or 25/18/…), all results counted, the default tiebreaks.

    ``tournaments`` (a queryset) limits the table to those tournaments: pages pass the viewer's
    scope (``permissions.tournaments_for``), so an organizer's table counts only tournaments they
    may view — another organizer's entrants never appear there. Seeding uses the whole game."""
    base = Tournament.objects.all() if tournaments is None else Tournament.objects.filter(pk__in=tournaments.values("pk"))
    ids = list(base.filter(game=game, placements__isnull=False).exclude(status__in=COUNTED_EXCLUDED).distinct()
               .order_by(F("completed_at").asc(nulls_last=True), "starts_at", "pk").values_list("pk", flat=True))
    rows = compute(ids, points_table=default_points(game))[kind]
    model = Player if kind == "player" else Team
    field = "display_name" if kind == "player" else "name"
    names = dict(model.objects.filter(pk__in=[r.entrant for r in rows]).values_list("pk", field))
    return [{"row": r, "name": names.get(r.entrant, "?")} for r in rows]


def seeding_ratings(tournament, registration_ids) -> dict:
    """Ratings for ranked seeding: from the most recent season of the tournament's game that includes
    it, or the game's all-time table when it is in no season. Unranked entrants rate lowest (and keep
    their manual order, the engine's sort being stable)."""
    from ..models import Registration

    regs = list(Registration.objects.filter(pk__in=registration_ids).values_list("pk", "player_id", "team_id"))
    season = tournament.seasons.filter(game=tournament.game_id).order_by("-created_at", "-pk").first()
    if season is not None:
        ranks = {(kind, player or team): rank for kind, player, team, rank in
                 SeasonStanding.objects.filter(season=season).values_list("kind", "player_id", "team_id", "rank")}
    else:
        ranks = {}
        for kind in KINDS:
            ranks.update({(kind, item["row"].entrant): item["row"].rank for item in all_time(tournament.game, kind)})
    unranked = -(10 ** 9)
    return {pk: -ranks.get(("team", team) if team else ("player", player), -unranked) for pk, player, team in regs}
