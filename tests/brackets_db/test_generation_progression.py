"""Brackets persisted and played through the services: byes, forfeits, resets, corrections."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Match, Placement, Tournament
from tournaments.services import DomainError, brackets, matches
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db
M = Match.Status


def _event(organizer, game, n, fmt="single_elimination", **kw):
    t = make_tournament(organizer, game, capacity=max(n, 2), slug=f"ev-{fmt}-{n}-{Tournament.objects.count()}", format=fmt, **kw)
    regs = enter(t, n)
    tournament_services.close_registration(t.pk, actor=organizer)
    return t, regs


def _seed_rank(stage):
    return {pk: i for i, pk in enumerate(stage.seeds)}


def play_all(stage, organizer, *, upset=lambda m: False, limit=5000):
    """Play every playable match of a stage: the better seed wins unless ``upset(match)``."""
    rank = _seed_rank(stage)
    for _ in range(limit):
        m = (Match.objects.filter(stage__tournament=stage.tournament, status__in=Match.REPORTABLE,
                                  slot_a__isnull=False, slot_b__isnull=False).order_by("round_number", "id").first())
        if m is None:
            return
        better_a = rank[m.slot_a_id] < rank[m.slot_b_id]
        a_wins = better_a != bool(upset(m))
        need = m.best_of // 2 + 1
        matches.override_score(m.pk, actor=organizer, score_a=need if a_wins else 0, score_b=0 if a_wins else need,
                               reason="sim")
    raise AssertionError("simulation did not finish")


def test_five_entrants_single_elimination_byes_walk_over(organizer, game):
    t, regs = _event(organizer, game, 5)
    stage = brackets.generate(t.pk, actor=organizer)
    all_matches = list(stage.matches.all())
    assert len(all_matches) == 7
    byes = [m for m in all_matches if m.is_bye]
    assert len(byes) == 3 and all(m.status == M.COMPLETED and m.winner_id for m in byes)
    assert {m.winner_id for m in byes} == set(stage.seeds[:3])  # top seeds get the byes
    wb2 = [m for m in all_matches if m.key.startswith("WB2.")]
    assert sum(bool(m.slot_a_id) + bool(m.slot_b_id) for m in wb2) == 3
    assert sum(1 for m in all_matches if not m.is_bye) == 4  # n - 1 played
    assert AuditLog.objects.filter(action="bracket.generate", metadata__matches=7).exists()
    history = Match.history.filter(key="WB1.1").first()
    assert history.history_change_reason == "generated: single_elimination" and history.history_user == organizer


def test_single_elimination_with_third_place_plays_to_completion(organizer, game):
    t, regs = _event(organizer, game, 8)
    stage = brackets.generate(t.pk, actor=organizer, options={"third_place": True})
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer)
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    ranks = {p.registration_id: p.rank for p in Placement.objects.filter(tournament=t)}
    seeds = stage.seeds
    assert ranks[seeds[0]] == 1 and ranks[seeds[1]] == 2 and ranks[seeds[2]] == 3 and ranks[seeds[3]] == 4
    assert sorted(ranks.values()) == [1, 2, 3, 4, 5, 5, 5, 5]


@pytest.mark.parametrize("n", [6, 8, 11])
def test_double_elimination_reset_played_when_losers_side_wins_gf1(organizer, game, n):
    t, regs = _event(organizer, game, n, fmt="double_elimination")
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer, upset=lambda m: m.key == "GF1")
    gf1, gf2 = stage.matches.get(key="GF1"), stage.matches.get(key="GF2")
    assert gf1.winner_id == gf1.slot_b_id  # losers-bracket champion took GF1
    assert gf2.status == M.COMPLETED and gf2.winner_id == stage.seeds[0]
    played = stage.matches.exclude(status=M.CANCELLED).exclude(note="bye").count()
    assert played == 2 * n - 1
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    assert Placement.objects.get(tournament=t, rank=1).registration_id == stage.seeds[0]


def test_double_elimination_reset_skipped_when_winners_side_wins(organizer, game):
    t, regs = _event(organizer, game, 8, fmt="double_elimination")
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer)
    gf2 = stage.matches.get(key="GF2")
    assert gf2.status == M.CANCELLED and "Not needed" in gf2.note
    assert stage.matches.exclude(status=M.CANCELLED).count() == 2 * 8 - 2
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED


def test_double_forfeit_sends_a_bye_onwards(organizer, game):
    t, regs = _event(organizer, game, 4)
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    semi = stage.matches.get(key="WB1.1")
    matches.double_forfeit(semi.pk, actor=organizer, reason="Both no-shows")
    final = stage.matches.get(key="WB2.1")
    assert final.slot_a_id is None and final.slot_a_bye
    other = stage.matches.get(key="WB1.2")
    matches.override_score(other.pk, actor=organizer, score_a=1, score_b=0, reason="sim")
    final.refresh_from_db()
    assert final.status == M.COMPLETED and final.winner_id == other.slot_a_id  # walked over
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED


def test_single_forfeit_advances_the_opponent(organizer, game):
    t, regs = _event(organizer, game, 4)
    stage = brackets.generate(t.pk, actor=organizer)
    semi = stage.matches.get(key="WB1.1")
    matches.forfeit(semi.pk, actor=organizer, forfeiting_registration_id=semi.slot_a_id, reason="No-show")
    final = stage.matches.get(key="WB2.1")
    assert final.slot_a_id == semi.slot_b_id


def test_correction_swaps_entrant_while_next_match_has_not_started(organizer, game):
    t, regs = _event(organizer, game, 8)
    stage = brackets.generate(t.pk, actor=organizer)
    first = stage.matches.get(key="WB1.1")
    matches.override_score(first.pk, actor=organizer, score_a=1, score_b=0, reason="sheet")
    matches.correct_result(first.pk, actor=organizer, score_a=0, score_b=1, reason="Referee misread the sheet")
    nxt = stage.matches.get(key="WB2.1")
    assert first.slot_b_id in (nxt.slot_a_id, nxt.slot_b_id) and first.slot_a_id not in (nxt.slot_a_id, nxt.slot_b_id)
    entry = AuditLog.objects.get(action="match.correct")
    assert entry.metadata["before"]["winner"] == first.slot_a_id and entry.metadata["reset"] == ["WB2.1"]


def test_correction_refused_when_downstream_started_unless_reset(organizer, game):
    t, regs = _event(organizer, game, 8)
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    for key in ("WB1.1", "WB1.2"):
        matches.override_score(stage.matches.get(key=key).pk, actor=organizer, score_a=1, score_b=0, reason="sim")
    nxt = stage.matches.get(key="WB2.1")
    matches.start(nxt.pk, actor=organizer)
    first = stage.matches.get(key="WB1.1")
    with pytest.raises(DomainError) as exc:
        matches.correct_result(first.pk, actor=organizer, score_a=0, score_b=1, reason="late protest upheld")
    assert "WB2.1 (live)" in str(exc.value)
    first.refresh_from_db()
    assert first.winner_id == first.slot_a_id  # nothing changed
    matches.correct_result(first.pk, actor=organizer, score_a=0, score_b=1, reason="late protest upheld", reset_downstream=True)
    nxt.refresh_from_db()
    assert nxt.status == M.SCHEDULED and first.slot_b_id in (nxt.slot_a_id, nxt.slot_b_id)
    assert AuditLog.objects.filter(action="match.reset", target_id=str(nxt.pk)).exists()


def test_regenerate_refused_after_start_unless_forced_with_reason(organizer, game):
    t, regs = _event(organizer, game, 8)
    stage = brackets.generate(t.pk, actor=organizer)
    brackets.generate(t.pk, actor=organizer)  # nothing played yet: fine
    stage = t.stages.get()
    matches.override_score(stage.matches.get(key="WB1.1").pk, actor=organizer, score_a=1, score_b=0, reason="sim")
    with pytest.raises(DomainError, match="WB1.1"):
        brackets.generate(t.pk, actor=organizer)
    with pytest.raises(DomainError, match="reason"):
        brackets.generate(t.pk, actor=organizer, force=True)
    brackets.generate(t.pk, actor=organizer, force=True, reason="Wrong seeding")
    assert stage.matches.filter(status=M.COMPLETED).exclude(note="bye").count() == 0
    forced = AuditLog.objects.filter(action="bracket.regenerate").order_by("-id").first()
    assert forced.metadata["forced"] is True and forced.reason == "Wrong seeding" and "WB1.1" in forced.metadata["discarded"]


def test_round_robin_completes_with_standings(organizer, game):
    t, regs = _event(organizer, game, 5, fmt="round_robin")
    stage = brackets.generate(t.pk, actor=organizer)
    assert stage.matches.count() == 10
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer)
    rows = brackets.standings_for(stage)
    assert [r.entrant for r in rows] == stage.seeds
    assert Placement.objects.get(tournament=t, rank=1).registration_id == stage.seeds[0]
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED


def test_swiss_pairs_next_round_when_one_finishes(organizer, game):
    t, regs = _event(organizer, game, 8, fmt="swiss")
    stage = brackets.generate(t.pk, actor=organizer, options={"rounds": 3})
    assert stage.matches.count() == 4
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer)
    assert stage.matches.filter(round_number=3).count() == 4
    pairs = [frozenset((m.slot_a_id, m.slot_b_id)) for m in stage.matches.all()]
    assert len(pairs) == len(set(pairs)) == 12  # no rematch
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED


def test_seeds_preview_and_validation(organizer, game):
    t, regs = _event(organizer, game, 4)
    order = [r.pk for r in reversed(regs)]
    brackets.set_seeds(t.pk, actor=organizer, seeds=order)
    plan = brackets.preview(t.pk, actor=organizer)
    assert plan.entrants == tuple(order) and not t.stages.exists()
    with pytest.raises(DomainError, match="leaves out"):
        brackets.set_seeds(t.pk, actor=organizer, seeds=order[:3])
    with pytest.raises(DomainError, match="twice"):
        brackets.set_seeds(t.pk, actor=organizer, seeds=order[:3] + order[:1])
    stage = brackets.generate(t.pk, actor=organizer)
    assert stage.seeds == order


def test_unknown_option_is_a_clear_error(organizer, game):
    t, regs = _event(organizer, game, 4)
    with pytest.raises(DomainError, match="Unknown option"):
        brackets.generate(t.pk, actor=organizer, options={"thrid_place": True})
    assert not t.stages.exists()


def test_other_organizer_cannot_generate(organizer, other_organizer, game):
    t, regs = _event(organizer, game, 4)
    with pytest.raises(DomainError, match="not allowed"):
        brackets.generate(t.pk, actor=other_organizer)


def test_generation_is_bulk_not_per_match(organizer, game):
    """One insert per bracket depth level (so feeds are set at insert time) plus batches: queries grow
    with log(entrants), never per match."""
    counts, sizes = [], []
    for n in (16, 64):
        t, regs = _event(organizer, game, n, fmt="double_elimination")
        with CaptureQueriesContext(connection) as ctx:
            stage = brackets.generate(t.pk, actor=organizer)
        counts.append(len(ctx.captured_queries))
        sizes.append(stage.matches.count())
    assert counts[0] <= 40
    assert counts[1] - counts[0] <= (sizes[1] - sizes[0]) / 10


def test_groups_then_cross_seeded_playoffs(organizer, game):
    t, regs = _event(organizer, game, 8, fmt="groups_playoffs")
    stage = brackets.generate(t.pk, actor=organizer, options={"groups": 2, "advance_per_group": 2, "third_place": True})
    assert stage.name == "groups" and stage.matches.count() == 12  # 2 groups of 4: 6 matches each
    tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer)  # the group stage; the playoff appears when it finishes
    playoffs = t.stages.get(name="playoffs")
    seeds = stage.seeds
    groups = {"A": [seeds[0], seeds[3], seeds[4], seeds[7]], "B": [seeds[1], seeds[2], seeds[5], seeds[6]]}
    assert playoffs.seeds == [groups["A"][0], groups["B"][0], groups["A"][1], groups["B"][1]]  # winners, then runners-up
    semi_pairs = {frozenset((m.slot_a_id, m.slot_b_id)) for m in playoffs.matches.filter(key__startswith="WB1.")}
    assert frozenset((groups["A"][0], groups["B"][1])) in semi_pairs  # group winners meet runners-up of the other group
    assert AuditLog.objects.filter(action="bracket.playoffs").exists()
    play_all(playoffs, organizer)
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    assert Placement.objects.get(tournament=t, rank=1).registration_id == seeds[0]


def test_groups_playoffs_impossible_request_is_explained(organizer, game):
    t, regs = _event(organizer, game, 6, fmt="groups_playoffs")
    with pytest.raises(DomainError, match="smallest group"):
        brackets.generate(t.pk, actor=organizer, options={"groups": 2, "advance_per_group": 4})
    assert not t.stages.exists()
