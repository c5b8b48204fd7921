"""Read queries of the participant lobby. Each fragment costs a fixed number of queries whatever
the number of entrants (asserted by tests); only display names leave here, never emails or phones."""
import logging
from collections import OrderedDict
from datetime import datetime, timezone as dt_timezone

from django.db.models import Count, Max, Q, Window

from .. import brackets as engine
from .. import selectors as shared
from ..models import Announcement, Dispute, Match, Notification, Registration, Stage
from ..services import lobbies
from ..services.brackets import results_for

logger = logging.getLogger(__name__)

SIDES = ("slot_a__player", "slot_a__team", "slot_b__player", "slot_b__team")
ROSTER_PAGE_SIZE = 50
_FAR_FUTURE = datetime.max.replace(tzinfo=dt_timezone.utc)


def roster_page(tournament, page) -> dict:
    """One page of the roster (``ROSTER_PAGE_SIZE`` rows, in the roster's order) with the counts of
    the whole roster: 2 queries whatever the number of entrants. ``page`` is clamped to the pages
    there are (a stale or typed page number shows the last page, never an error)."""
    confirmed = Registration.Status.CONFIRMED
    counts = shared.roster(tournament).order_by().aggregate(
        total=Count("id"), confirmed=Count("id", filter=Q(status=confirmed)),
        checked_in=Count("id", filter=Q(status=confirmed, checked_in_at__isnull=False)))
    pages = max(1, -(-counts["total"] // ROSTER_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * ROSTER_PAGE_SIZE
    rows = list(shared.roster(tournament)[start:start + ROSTER_PAGE_SIZE]) if counts["total"] else []
    return {"rows": rows, "page": page, "pages": pages, "total": counts["total"], "first": start + 1,
            "last": start + len(rows), "counts": {"confirmed": counts["confirmed"], "checked_in": counts["checked_in"]},
            "previous": page - 1 if page > 1 else None, "next": page + 1 if page < pages else None}


def _stamp(queryset, *extra) -> tuple:
    fields = {"n": Count("id"), "u": Max("updated_at")}
    fields.update({f"x{i}": Max(name) for i, name in enumerate(extra)})
    row = queryset.order_by().aggregate(**fields)
    return tuple(str(row[k]) for k in sorted(row))


def roster_stamp(tournament) -> tuple:
    """What the roster shows is at least as new as this (1 query): registrations' count and newest
    change, and the newest change of their players and teams (display names)."""
    return _stamp(Registration.objects.filter(tournament_id=tournament.pk), "player__updated_at", "team__updated_at")


def bracket_stamp(tournament) -> tuple:
    """The same for the bracket (3 queries): stages, matches, and the entrants' names."""
    return (_stamp(Stage.objects.filter(tournament_id=tournament.pk)),
            _stamp(Match.objects.filter(tournament_id=tournament.pk)), roster_stamp(tournament))


def announcements(tournament, limit=20):
    return list(Announcement.objects.filter(tournament=tournament).order_by("-pinned", "-created_at", "-id")[:limit])


def my_matches(registration):
    return list(Match.objects.filter(Q(slot_a=registration) | Q(slot_b=registration), tournament_id=registration.tournament_id)
                .select_related(*SIDES).order_by("round_number", "scheduled_at", "id"))


def next_match(matches):
    """The open match to play next: the earliest scheduled, then the lowest round."""
    open_ones = [m for m in matches if m.status in Match.OPEN and not m.is_bye]
    if not open_ones:
        return None
    return min(open_ones, key=lambda m: (m.scheduled_at or _FAR_FUTURE, m.round_number, m.id))


def match_situation(match, registration) -> dict:
    """What the participant may do about ``match`` now (2 queries)."""
    if match is None:
        return {}
    reports = list(match.reports.filter(is_current=True).order_by("-created_at", "-id"))
    mine = next((r for r in reports if r.registration_id == registration.pk), None)
    theirs = next((r for r in reports if r.registration_id != registration.pk), None)
    open_dispute = match.disputes.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.UNDER_REVIEW,
                                                     Dispute.Status.ESCALATED]).exists()
    side = match.side_of(registration.pk)
    return {
        "side": side,
        "opponent": match.opponent_of(registration.pk),
        "my_report": mine,
        "their_report": theirs,
        "open_dispute": open_dispute,
        "can_report": match.status in Match.REPORTABLE and match.has_both_sides() and not open_dispute,
        "can_confirm": match.status == Match.Status.PENDING_RESULT and theirs is not None and (mine is None or
                                                                                             mine.created_at < theirs.created_at),
        "can_dispute": match.status in (Match.Status.LIVE, Match.Status.PENDING_RESULT) and not open_dispute,
        "can_forfeit": match.status in Match.OPEN and match.has_both_sides(),
    }


def notifications(registration, limit=20) -> tuple[list, int]:
    """The participant's newest ``limit`` notifications and how many of ALL of them are unread, in
    one query: the count is a window over every row of the participant, computed before the limit."""
    notes = list(Notification.objects.filter(registration=registration)
                 .annotate(unread_total=Window(Count("id", filter=Q(read_at__isnull=True))))
                 .order_by("-created_at", "-id")[:limit])
    return notes, (notes[0].unread_total if notes else 0)


def bracket(tournament) -> list[dict]:
    """Stages with their rounds (elimination, Swiss pairings) and standings (round robin, Swiss,
    battle royale): 2 queries, one more for the entrants' names when a stage has standings, and one
    per battle-royale stage, whatever the number of entrants."""
    stages = list(Stage.objects.filter(tournament=tournament).order_by("order", "id"))
    matches = list(Match.objects.filter(tournament=tournament).select_related(*SIDES)
                   .order_by("stage_id", "bracket", "round_number", "position", "id"))
    names = {}
    if any(stage.format in (Stage.Format.BATTLE_ROYALE, Stage.Format.ROUND_ROBIN, Stage.Format.SWISS) for stage in stages):
        names = {pk: team or player or "?" for pk, player, team in Registration.objects.filter(tournament=tournament)
                 .values_list("pk", "player__display_name", "team__name")}
    by_stage: dict = {}
    for match in matches:
        by_stage.setdefault(match.stage_id, []).append(match)
    out = []
    for stage in stages:
        stage_matches = by_stage.get(stage.pk, [])
        rounds: OrderedDict = OrderedDict()
        for match in stage_matches:
            if match.is_bye and match.status != Match.Status.SCHEDULED:
                continue  # a walked-over bye is noise in a participant's view
            rounds.setdefault((match.bracket, match.round_number), []).append(match)
        out.append({"stage": stage, "rounds": [{"bracket": b, "number": n, "matches": ms} for (b, n), ms in rounds.items()],
                    "standings": _standings(stage, stage_matches, names)})
    loose = by_stage.get(None, [])
    if loose:
        out.append({"stage": None, "rounds": [{"bracket": "", "number": None, "matches": loose}], "standings": []})
    return out


def _standings(stage, stage_matches, names) -> list[dict]:
    try:
        if stage.format == Stage.Format.BATTLE_ROYALE:
            rows = lobbies.standings(stage)
        elif stage.format in (Stage.Format.ROUND_ROBIN, Stage.Format.SWISS):
            rows = engine.standings(stage.seeds, results_for(stage_matches))
        else:
            return []
    except Exception:  # a read view must not 500 on a stage the engine rejects; staff see the error in the admin
        logger.exception("Standings of stage %s could not be computed", stage.pk)
        return []
    return [{"rank": row.rank, "name": names.get(row.entrant, "?"), "points": row.points,
             "played": getattr(row, "played", getattr(row, "games", None)), "wins": row.wins,
             "losses": getattr(row, "losses", None)} for row in rows]


SEASON_TOP = 20


def season_tables(tournament, limit=SEASON_TOP) -> list[dict]:
    """Public seasons that include this tournament, each with its top ``limit`` entrants of the
    tournament's kind (players for solo events, teams for team events). Two queries; none when the
    tournament was loaded knowing it is in no public season (``in_public_season``, lobby views)."""
    from ..models import Season, SeasonStanding
    from ..seasons import RULE_LABELS

    if getattr(tournament, "in_public_season", True) is False:
        return []

    kind = SeasonStanding.Kind.TEAM if tournament.is_team else SeasonStanding.Kind.PLAYER
    seasons = list(Season.objects.filter(tournaments=tournament, is_public=True).order_by("-created_at", "pk")[:3])
    if not seasons:
        return []
    rows = (SeasonStanding.objects.filter(season__in=seasons, kind=kind, rank__lte=limit)
            .select_related("player", "team").order_by("season_id", "rank", "id"))
    by_season = {s.pk: [] for s in seasons}
    for row in rows:
        move = row.movement
        by_season[row.season_id].append({
            "rank": row.rank, "name": row.name, "points": row.points, "events": row.events,
            "rule": RULE_LABELS.get(row.decided_by, row.decided_by),
            "move": "•" if move is None else ("▲%d" % move if move > 0 else ("▼%d" % -move if move < 0 else "–")),
            "player_id": row.player_id, "team_id": row.team_id,
        })
    return [{"season": s, "rows": by_season[s.pk]} for s in seasons]
