"""Brackets: turn the pure engine's plan into matches, and keep stages moving.

Generation persists a whole stage in a handful of bulk queries: matches are inserted without their
feeds, the feeds (``winner_to``/``loser_to``) are set with one bulk update, and history is written in
bulk. Byes known at generation time are walked over in memory first, so a 5-entrant bracket starts
with its three byes already advanced.
"""
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .. import brackets as engine
from .. import events, permissions
from ..models import Lobby, Match, Placement, Registration, Stage, Tournament
from . import audit, lobbies
from .base import actor_user, lock, require, save_plain
from .errors import DomainError

M = Match.Status
T = Tournament.Status
GENERATABLE = [T.REGISTRATION_OPEN, T.REGISTRATION_CLOSED, T.LIVE]
OPTION_NAMES = {
    "single_elimination": {"third_place", "best_of", "final_best_of"},
    "double_elimination": {"grand_final", "skip_first_round", "best_of", "grand_final_best_of"},
    "round_robin": {"groups", "double", "distribution", "best_of"},
    "swiss": {"rounds", "wins_to_advance", "losses_to_eliminate", "strength", "bye_points", "best_of"},
    "battle_royale": {"lobby_size", "rounds"},
}
GROUPS_PLAYOFFS = "groups_playoffs"
GROUPS_PLAYOFF_OPTIONS = {"groups", "advance_per_group", "playoff", "best_of", "playoff_best_of", "distribution", "double",
                          "third_place", "grand_final"}
STAGE_FORMAT_FOR = {
    Tournament.Format.GROUPS_PLAYOFFS: GROUPS_PLAYOFFS,
    Tournament.Format.SINGLE_ELIMINATION: Stage.Format.SINGLE_ELIMINATION,
    Tournament.Format.DOUBLE_ELIMINATION: Stage.Format.DOUBLE_ELIMINATION,
    Tournament.Format.ROUND_ROBIN: Stage.Format.ROUND_ROBIN,
    Tournament.Format.SWISS: Stage.Format.SWISS,
    Tournament.Format.BATTLE_ROYALE: Stage.Format.BATTLE_ROYALE,
}


def _engine_call(fn, *args, **kwargs):
    """Bracket errors become the domain error the admin shows; option typos name the allowed ones."""
    try:
        return fn(*args, **kwargs)
    except engine.BracketError as exc:
        raise DomainError(str(exc), code="bracket") from exc


def build_plan(stage_format: str, seeds: list, options: dict):
    if stage_format not in OPTION_NAMES:
        raise DomainError(_("This format cannot be generated as a bracket stage yet: %(f)s.") % {"f": stage_format})
    unknown = set(options) - OPTION_NAMES[stage_format]
    if unknown:
        raise DomainError(_("Unknown option(s) for %(f)s: %(o)s. Allowed: %(a)s.")
                          % {"f": stage_format, "o": ", ".join(sorted(unknown)), "a": ", ".join(sorted(OPTION_NAMES[stage_format]))})
    builder = {
        "single_elimination": engine.single_elimination, "double_elimination": engine.double_elimination,
        "round_robin": engine.round_robin, "swiss": engine.swiss_plan, "battle_royale": engine.battle_royale,
    }[stage_format]
    return _engine_call(builder, list(seeds), **options)


def seed_order(tournament, *, method: str = "manual", rng_seed=None) -> list[int]:
    """Confirmed entrants, best seed first. Manual order follows ``Registration.seed`` (unseeded
    entrants after the seeded ones, by registration time). Ranked order follows the season standings
    of the tournament's season (``seasons.seeding_ratings``); unranked entrants keep the manual order after them."""
    regs = list(Registration.objects.filter(tournament=tournament, status=Registration.Status.CONFIRMED)
                .order_by(*["seed", "created_at", "id"]).values_list("pk", "seed"))
    ids = [pk for pk, s in regs if s is not None] + [pk for pk, s in regs if s is None]
    if len(ids) < 2:
        raise DomainError(_("A bracket needs at least 2 confirmed entrants; %(t)s has %(n)d.") % {"t": tournament.name, "n": len(ids)},
                          code="not_enough")
    ratings = None
    if method == "ranked":  # season standings (or the game's all-time table) rate the entrants
        from . import seasons

        ratings = seasons.seeding_ratings(tournament, ids)
    return list(_engine_call(engine.seed, ids, method, rng_seed=rng_seed, ratings=ratings))


def preview(tournament_id: int, *, actor, stage_format: str | None = None, options: dict | None = None,
            seeds: list[int] | None = None):
    """The plan that ``generate`` would persist, without writing anything (for the seed editor)."""
    tournament = Tournament.objects.get(pk=tournament_id)
    require(actor, tournament, permissions.MANAGE)
    stage_format = stage_format or STAGE_FORMAT_FOR.get(tournament.format, tournament.format)
    options = dict(options or {})
    if stage_format != Stage.Format.BATTLE_ROYALE:
        options.setdefault("best_of", tournament.best_of)
    seeds = seeds or seed_order(tournament)
    if stage_format == GROUPS_PLAYOFFS:
        stage_format, options, _then = _split_groups_playoffs(seeds, options)
    return build_plan(stage_format, seeds, options)


def _resolve_generation_byes(plan, rows: dict[str, Match]):
    """Walk over every bye whose both sides are known at generation (in feed order), in memory."""
    for pm in plan.ordered_matches():
        match = rows[pm.key]
        if not match.can_walk_over():
            continue
        winner_id = match.slot_a_id or match.slot_b_id
        rows[pm.key] = match = _rebuilt(match, status=M.COMPLETED, winner_id=winner_id, completed_at=timezone.now(),
                                       note="bye")
        for target, entrant in ((pm.winner_to, winner_id), (pm.loser_to, None)):
            if target is None:
                continue
            key, slot = target
            side = "a" if slot == 0 else "b"
            if entrant is None:
                setattr(rows[key], f"slot_{side}_bye", True)
            else:
                setattr(rows[key], f"slot_{side}_id", entrant)


def _rebuilt(match, **changes):
    """A protected FSM field can only be given at construction: rebuild the unsaved row."""
    fields = {f.attname: getattr(match, f.attname) for f in Match._meta.concrete_fields if f.attname != "id"}
    fields.update(changes)
    status = fields.pop("status")
    return Match(status=status, **fields)


def persist(stage: Stage, plan_or_matches, *, actor=None, scheduled_at=None) -> list[Match]:
    """Insert planned matches (a whole Plan, or one Swiss round's matches) in bulk, link their feeds,
    write history in bulk."""
    tournament = stage.tournament
    plan_like = plan_or_matches if isinstance(plan_or_matches, engine.Plan) else None
    planned_matches = plan_like.matches if plan_like is not None else tuple(plan_or_matches)
    rows = {}
    for pm in planned_matches:
        match = Match(tournament=tournament, stage=stage, key=pm.key, bracket=pm.bracket, group=pm.group or "",
                      round_number=pm.round, position=pm.position, best_of=pm.best_of, is_conditional=pm.conditional,
                      scheduled_at=scheduled_at)
        for index, slot in enumerate(pm.slots):
            side = "a" if index == 0 else "b"
            if slot.entrant is not None:
                setattr(match, f"slot_{side}_id", slot.entrant)
            elif slot.bye:
                setattr(match, f"slot_{side}_bye", True)
        rows[pm.key] = match
    if plan_like is not None:
        _resolve_generation_byes(plan_like, rows)
    else:
        for key, match in list(rows.items()):  # Swiss/round robin: a bye is a lone walkover
            if match.can_walk_over():
                rows[key] = _rebuilt(match, status=M.COMPLETED, winner_id=match.slot_a_id or match.slot_b_id,
                                     completed_at=timezone.now(), note="bye")
    feeds = {pm.key: (pm.winner_to, pm.loser_to) for pm in planned_matches}
    ordered = []
    for level in _levels_targets_first(feeds):
        batch = []
        for key in level:
            match = rows[key]
            winner_to, loser_to = feeds[key]
            if winner_to:
                match.winner_to_id, match.winner_to_slot = rows[winner_to[0]].pk, winner_to[1]
            if loser_to:
                match.loser_to_id, match.loser_to_slot = rows[loser_to[0]].pk, loser_to[1]
            batch.append(match)
        Match.objects.bulk_create(batch, batch_size=2000)
        ordered.extend(batch)
    Match.history.bulk_history_create(ordered, batch_size=1000, default_user=actor_user(actor),
                                      default_change_reason=f"generated: {stage.format}")
    return ordered


def _levels_targets_first(feeds: dict) -> list[list[str]]:
    """Group match keys so every match comes after the matches it feeds (its targets): inserting level
    by level gives each row its ``winner_to``/``loser_to`` ids at insert time, with no UPDATE pass."""
    depth = {}

    def resolve(key):
        if key not in depth:
            targets = [t[0] for t in feeds[key] if t]
            depth[key] = 1 + max((resolve(t) for t in targets), default=-1)
        return depth[key]

    for key in feeds:
        resolve(key)
    levels = {}
    for key in feeds:  # plan order inside a level
        levels.setdefault(depth[key], []).append(key)
    return [levels[d] for d in sorted(levels)]


def _stage_started(stage) -> list[str]:
    started = [m.key for m in stage.matches.all() if m.has_started()]
    return started + list(stage.lobbies.exclude(status=Lobby.Status.SCHEDULED).values_list("key", flat=True))


def generate(tournament_id: int, *, actor, stage_format: str | None = None, options: dict | None = None,
             seeding: str = "manual", rng_seed=None, seeds: list[int] | None = None, name: str = "main",
             force: bool = False, reason: str = "") -> Stage:
    """Create (or regenerate) a stage's matches from the engine's plan.

    A tournament's stages form one bracket: regenerating replaces all of them. It is refused once any
    match has started, unless an organizer forces it with a reason; then the old matches are deleted
    (their history remains) and the audit entry lists them. ``groups_playoffs`` creates the group
    stage now and its playoff when the groups finish.
    """
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        if tournament.status not in GENERATABLE:
            raise DomainError(_("%(t)s is %(s)s; brackets are generated once registration is open.")
                              % {"t": tournament.name, "s": tournament.get_status_display().lower()}, code="invalid_state")
        stage_format = stage_format or STAGE_FORMAT_FOR.get(tournament.format)
        if stage_format is None:
            raise DomainError(_("%(f)s stages are not generated as brackets.") % {"f": tournament.get_format_display()})
        options = dict(options or {})
        if stage_format != Stage.Format.BATTLE_ROYALE:
            options.setdefault("best_of", tournament.best_of)
        if seeds is None:
            seeds = seed_order(tournament, method=seeding, rng_seed=rng_seed)
        else:
            _check_seeds(tournament, seeds)
        then = {}
        if stage_format == GROUPS_PLAYOFFS:
            stage_format, options, then = _split_groups_playoffs(seeds, options)
        plan = build_plan(stage_format, seeds, options)
        existing = list(Stage.objects.select_for_update().filter(tournament=tournament))
        discarded = []
        if existing:
            started = [key for old in existing for key in _stage_started(old)]
            if started and not force:
                raise DomainError(_("Matches %(k)s have started; regenerating would discard them. Force it with a reason.")
                                  % {"k": ", ".join(started[:10])}, code="started", details={"started": started})
            if force and started and not (reason or "").strip():
                raise DomainError(_("Give a reason for regenerating a started bracket."), code="reason_required")
            discarded = list(Match.objects.filter(stage__in=existing).values_list("key", flat=True))
            Match.objects.filter(stage__in=existing).update(winner_to=None, loser_to=None)
            for old in existing:
                old.delete()  # matches cascade; history keeps them
            Placement.objects.filter(tournament=tournament).delete()
        stage = Stage(tournament=tournament, name="groups" if then else name, format=stage_format, options=options,
                      seeds=list(seeds), order=1, then=then)
        stage.rounds_planned = max(plan.rounds.values()) if plan.rounds else 0
        save_plain(stage, actor, reason="regenerated" if existing else "generated")
        if stage_format == Stage.Format.BATTLE_ROYALE:
            created = lobbies.persist_lobbies(stage, plan, actor=actor)
        else:
            created = persist(stage, plan, actor=actor)
        _write_seeds(seeds, actor)
        audit.log_action("bracket.regenerate" if existing else "bracket.generate", actor=actor, tournament=tournament,
                         target=stage, reason=reason,
                         metadata={"format": stage_format, "entrants": len(seeds), "matches": len(created),
                                   "options": options, "then": then, "discarded": discarded[:200],
                                   "forced": bool(force and discarded)})
        events.publish(tournament, "bracket.updated", {"stage": stage.pk, "name": stage.name})
        return stage


def _split_groups_playoffs(seeds, options):
    """Validate a groups → playoffs request with the engine (group sizes, advancing counts), then
    describe it as a round-robin group stage plus the playoff to create when groups finish."""
    unknown = set(options) - GROUPS_PLAYOFF_OPTIONS
    if unknown:
        raise DomainError(_("Unknown option(s) for groups → playoffs: %(o)s. Allowed: %(a)s.")
                          % {"o": ", ".join(sorted(unknown)), "a": ", ".join(sorted(GROUPS_PLAYOFF_OPTIONS))})
    opts = dict(options)
    groups = opts.pop("groups", 2)
    advance = opts.pop("advance_per_group", 2)
    playoff = opts.pop("playoff", "single_elimination")
    if playoff not in ("single_elimination", "double_elimination"):
        raise DomainError(_("The playoff is single or double elimination."))
    best_of = opts.get("best_of", 1)
    playoff_best_of = opts.pop("playoff_best_of", best_of)
    third_place = opts.pop("third_place", False)
    grand_final = opts.pop("grand_final", "reset")
    _engine_call(engine.groups_to_playoffs, list(seeds), groups=groups, advance_per_group=advance,
                 playoff="single" if playoff == "single_elimination" else "double", best_of=best_of,
                 playoff_best_of=playoff_best_of, distribution=opts.get("distribution", "snake"),
                 double_round_robin=opts.get("double", False), third_place=third_place, grand_final=grand_final)
    group_options = {"groups": groups, "best_of": best_of, "distribution": opts.get("distribution", "snake"),
                     "double": opts.get("double", False)}
    playoff_options = {"best_of": playoff_best_of}
    playoff_options.update({"third_place": third_place} if playoff == "single_elimination" else {"grand_final": grand_final})
    return "round_robin", group_options, {"advance_per_group": advance, "format": playoff, "options": playoff_options}


def group_standings(stage: Stage) -> dict:
    """Standings of each group of a stage: {label: rows}."""
    plan = stage_plan(stage)
    matches = list(stage.matches.all())
    out = {}
    for label, members in plan.groups.items():
        results = results_for([m for m in matches if m.group == label])
        out[label] = _engine_call(engine.standings, list(members), results)
    return out


def _create_playoffs(stage: Stage, actor=None) -> Stage:
    then = stage.then
    seeds = list(_engine_call(engine.seed_playoffs_from_groups, group_standings(stage), then["advance_per_group"]))
    plan = build_plan(then["format"], seeds, dict(then.get("options") or {}))
    playoffs = Stage(tournament=stage.tournament, name="playoffs", order=stage.order + 1, format=then["format"],
                     options=dict(then.get("options") or {}), seeds=seeds)
    playoffs.rounds_planned = max(plan.rounds.values()) if plan.rounds else 0
    save_plain(playoffs, actor, reason="created from group standings")
    created = persist(playoffs, plan, actor=actor)
    audit.log_action("bracket.playoffs", actor=actor, tournament=stage.tournament, target=playoffs,
                     metadata={"seeds": seeds, "matches": len(created)})
    events.publish(stage.tournament, "bracket.updated", {"stage": playoffs.pk, "name": playoffs.name})
    return playoffs


def _check_seeds(tournament, seeds):
    confirmed = set(Registration.objects.filter(tournament=tournament, status=Registration.Status.CONFIRMED)
                    .values_list("pk", flat=True))
    if len(set(seeds)) != len(seeds):
        raise DomainError(_("The seed list names an entrant twice."), code="seeds")
    strangers = [pk for pk in seeds if pk not in confirmed]
    if strangers:
        raise DomainError(_("Registrations %(ids)s are not confirmed entrants of %(t)s.")
                          % {"ids": ", ".join(f"#{pk}" for pk in strangers[:10]), "t": tournament.name}, code="seeds")
    missing = confirmed - set(seeds)
    if missing:
        raise DomainError(_("The seed list leaves out confirmed entrants %(ids)s.")
                          % {"ids": ", ".join(f"#{pk}" for pk in sorted(missing)[:10])}, code="seeds")


def _write_seeds(seeds, actor):
    """Store the bracket's seed order on the registrations (one UPDATE, history in bulk).

    Written as one parameterised ``CASE`` statement because Django's ``bulk_update`` builds an
    expression tree per row (≈5 s of CPU for 4,096 registrations); the SQL is plain enough for both
    SQLite and PostgreSQL. Rows whose seed is unchanged are left alone.
    """
    regs = list(Registration.objects.filter(pk__in=seeds))
    position = {pk: i + 1 for i, pk in enumerate(seeds)}
    changed = [reg for reg in regs if reg.seed != position[reg.pk]]
    if not changed:
        return
    table = connection.ops.quote_name(Registration._meta.db_table)
    for start in range(0, len(changed), 5000):
        chunk = changed[start:start + 5000]
        whens = " ".join(["WHEN %s THEN %s"] * len(chunk))
        params = [value for reg in chunk for value in (reg.pk, position[reg.pk])]
        placeholders = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET seed = CASE id {whens} END WHERE id IN ({placeholders})",
                           params + [reg.pk for reg in chunk])
    for reg in changed:
        reg.seed = position[reg.pk]
    Registration.history.bulk_history_create(changed, batch_size=1000, update=True, default_user=actor_user(actor),
                                             default_change_reason="seeded")


def set_seeds(tournament_id: int, *, actor, seeds: list[int]) -> list[int]:
    """Save a manual seed order (the seed editor). Refused once the bracket has started."""
    with transaction.atomic():
        tournament = lock(Tournament, tournament_id)
        require(actor, tournament, permissions.MANAGE)
        seeds = [int(pk) for pk in seeds]
        _check_seeds(tournament, seeds)
        started = [key for stage in tournament.stages.all() for key in _stage_started(stage)]
        if started:
            raise DomainError(_("The bracket has started (%(k)s); seeds can no longer change.") % {"k": ", ".join(started[:5])},
                              code="started")
        _write_seeds(seeds, actor)
        audit.log_action("bracket.seeds", actor=actor, tournament=tournament, target=tournament, metadata={"seeds": seeds})
        return seeds


def next_swiss_round(stage: Stage, actor=None) -> list[Match] | None:
    """Pair and persist the next Swiss round once every match of the current one is finished."""
    matches = list(stage.matches.all())
    if any(m.status not in Match.FINISHED for m in matches):
        return None
    current = max((m.round_number for m in matches), default=0)
    opts = dict(stage.options)
    limit = opts.get("rounds") or stage.rounds_planned
    if limit and current >= limit:
        return None
    history = results_for(matches)
    pairing = _engine_call(engine.swiss_pairings, stage.seeds, history, round_number=current + 1,
                           strength=opts.get("strength", "score"), bye_points=opts.get("bye_points", 1),
                           wins_to_advance=opts.get("wins_to_advance"), losses_to_eliminate=opts.get("losses_to_eliminate"),
                           best_of=opts.get("best_of", 1))
    if len(pairing.active) < 2:
        return None
    created = persist(stage, pairing.matches, actor=actor)
    audit.log_action("bracket.swiss_round", actor=actor, tournament=stage.tournament, target=stage,
                     metadata={"round": current + 1, "matches": len(created), "rematches": pairing.rematches})
    events.publish(stage.tournament, "bracket.updated", {"stage": stage.pk, "round": current + 1})
    return created


def results_for(matches) -> list:
    """Finished head-to-head matches as engine results (byes included)."""
    out = []
    for m in matches:
        if m.status not in Match.FINISHED or m.status == M.CANCELLED and not m.is_bye:
            continue
        if m.is_bye:
            entrant = m.slot_a_id or m.slot_b_id
            if entrant:
                out.append(engine.Result.bye(entrant))
            continue
        if not (m.slot_a_id and m.slot_b_id):
            continue
        out.append(engine.Result(a=m.slot_a_id, b=m.slot_b_id, winner=m.winner_id, score_a=m.score_a or 0,
                                 score_b=m.score_b or 0, round=m.round_number))
    return out


def stage_plan(stage: Stage):
    return build_plan(stage.format, stage.seeds, dict(stage.options))


def standings_for(stage: Stage):
    """Ranked rows for a round robin or Swiss stage, each with the rule that decided its place."""
    return _engine_call(engine.standings, stage.seeds, results_for(stage.matches.all()))


def placements_for(stage: Stage):
    """(registration id, rank, decided_by) for every entrant of a stage, live or final."""
    if stage.format == Stage.Format.BATTLE_ROYALE:
        return [(row.entrant, row.rank, row.decided_by) for row in lobbies.standings(stage)]
    if stage.is_elimination:
        plan = stage_plan(stage)
        winners = {m.key: m.winner_id for m in stage.matches.all()
                   if m.status in (M.COMPLETED, M.FORFEITED) and m.winner_id and not m.is_bye}
        return [(p.entrant, p.rank, p.eliminated_in or "") for p in _engine_call(engine.elimination_placements, plan, winners)]
    return [(row.entrant, row.rank, row.decided_by) for row in standings_for(stage)]


def finish_stage_if_done(stage: Stage, actor=None) -> bool:
    """Close a stage whose matches are all finished: placements, and the tournament completes if it
    was the last stage. Swiss stages pair their next round instead while rounds remain."""
    if stage.matches.filter(~Q(status__in=Match.FINISHED)).exists():
        return False
    if stage.lobbies.exclude(status=Lobby.Status.COMPLETED).exists():
        return False
    if stage.format == Stage.Format.SWISS and next_swiss_round(stage, actor):
        return False
    stage.completed_at = timezone.now()
    save_plain(stage, actor, reason="completed")
    tournament = stage.tournament
    if tournament.stages.filter(order__gt=stage.order).exists():
        return True
    if stage.then:
        _create_playoffs(stage, actor)
        return True
    Placement.objects.filter(tournament=tournament).delete()
    bulk_create_with_history([Placement(tournament=tournament, registration_id=reg, rank=rank, decided_by=(rule or "")[:40])
                              for reg, rank, rule in placements_for(stage)], Placement, default_user=actor_user(actor),
                             default_change_reason="final placements")
    audit.log_action("bracket.placements", actor=actor, tournament=tournament, target=stage,
                     metadata={"entrants": len(stage.seeds)})
    from . import seasons

    seasons.schedule_for_tournament(tournament.pk, "placements recorded")  # after the commit
    if tournament.status == T.LIVE:
        from . import tournaments as tournament_services

        tournament_services.complete(tournament.pk, actor=None)
    return True
