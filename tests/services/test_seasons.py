"""Season services: recompute from played brackets, hooks on completion and correction, seeding, rankings."""
import pytest

from tests.brackets_db.test_generation_progression import play_all
from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, JobRun, Match, Placement, Season, SeasonSnapshot, SeasonStanding, Tournament
from tournaments.services import DomainError, brackets, matches, seasons
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _inline_jobs(settings):
    """Jobs run in-process after commit in both tiers (RQ workers are tested in tests/jobs)."""
    settings.JOBS_INLINE = True


def _played(organizer, game, n=4, *, start=True, upset=lambda m: False, slug=None):
    t = make_tournament(organizer, game, capacity=n, slug=slug or f"s-{Tournament.objects.count()}", format="single_elimination")
    regs = enter(t, n)
    tournament_services.close_registration(t.pk, actor=organizer)
    stage = brackets.generate(t.pk, actor=organizer)
    if start:
        tournament_services.start(t.pk, actor=organizer)
    play_all(stage, organizer, upset=upset)
    return t, regs, stage


def _players(stage):
    from tournaments.models import Registration

    return {r.pk: r.player_id for r in Registration.objects.filter(pk__in=stage.seeds)}


def test_recompute_ranks_players_from_placements_with_points_and_snapshots(organizer, game, django_capture_on_commit_callbacks):
    t, regs, stage = _played(organizer, game, 4)
    season = seasons.create_season(actor=organizer, name="Spring League", game=game, tournament_ids=[t.pk], tiebreaks=[])
    seasons.recompute(season.pk, actor=organizer, reason="manual")
    players = _players(stage)
    table = [(s.player_id, s.rank, s.points, s.decided_by) for s in seasons.standings(season, "player")]
    s1, s2, s3, s4 = (players[r] for r in stage.seeds)
    # 1st 25, 2nd 18, semi-finalists share 3rd (15 each) → 1, 2, 3, 3
    assert table[:2] == [(s1, 1, 25, "points"), (s2, 2, 18, "points")]
    assert sorted(table[2:]) == sorted([(s3, 3, 15, "tied"), (s4, 3, 15, "tied")])
    assert seasons.season_ranking(season, "player")[:2] == [s1, s2]
    assert seasons.season_ranking(season.pk, "team") == []
    season.refresh_from_db()
    assert season.revision == 1 and SeasonSnapshot.objects.get(season=season).ranks[f"player:{s1}"] == [1, 25]
    assert AuditLog.objects.filter(action="season.recompute", target_id=str(season.pk)).exists()


def test_wins_tiebreak_separates_the_semi_finalists_and_says_so(organizer, game):
    t, regs, stage = _played(organizer, game, 4)
    season = seasons.create_season(actor=organizer, name="Cup", game=game, tournament_ids=[t.pk], tiebreaks=["wins"])
    seasons.recompute(season.pk)
    rows = seasons.standings(season, "player")
    assert [r.rank for r in rows] == [1, 2, 3, 3]  # semi-finalists both won 0 matches: still tied
    assert rows[0].wins == 2 and rows[1].wins == 1


def test_completion_schedules_the_recompute_job(organizer, game, django_capture_on_commit_callbacks):
    t = make_tournament(organizer, game, capacity=4, slug="hooked", format="single_elimination")
    enter(t, 4)
    tournament_services.close_registration(t.pk, actor=organizer)
    season = seasons.create_season(actor=organizer, name="Hooked", game=game, tournament_ids=[t.pk])
    stage = brackets.generate(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        play_all(stage, organizer)
    t.refresh_from_db()
    assert t.status == Tournament.Status.COMPLETED
    assert SeasonStanding.objects.filter(season=season, kind="player").count() == 4
    assert JobRun.objects.get(job_id=f"season-standings-{season.pk}").status == JobRun.Status.FINISHED


def test_corrected_result_recomputes_the_table_and_keeps_the_movement(organizer, game, django_capture_on_commit_callbacks):
    # played before the event was started: placements exist and the results may still be corrected
    t, regs, stage = _played(organizer, game, 4, start=False)
    assert Placement.objects.filter(tournament=t).count() == 4
    season = seasons.create_season(actor=organizer, name="Corrections", game=game, tournament_ids=[t.pk])
    seasons.recompute(season.pk)
    players = _players(stage)
    champion, runner_up = players[stage.seeds[0]], players[stage.seeds[1]]
    assert seasons.season_ranking(season, "player")[:2] == [champion, runner_up]
    final = Match.objects.get(stage=stage, key="WB2.1")
    with django_capture_on_commit_callbacks(execute=True):
        matches.correct_result(final.pk, actor=organizer, score_a=final.score_b, score_b=final.score_a,
                               reason="Referee swapped the sheet")
    assert seasons.season_ranking(season, "player")[:2] == [runner_up, champion]
    top = seasons.standings(season, "player")[0]
    assert top.player_id == runner_up and top.previous_rank == 2 and top.movement == 1
    assert SeasonSnapshot.objects.filter(season=season).count() == 2


def test_best_n_and_two_events(organizer, game):
    t1, _r1, st1 = _played(organizer, game, 4)
    t2, _r2, st2 = _played(organizer, game, 4)
    season = seasons.create_season(actor=organizer, name="Two", game=game, tournament_ids=[t1.pk, t2.pk], best_of=1)
    seasons.recompute(season.pk)
    rows = seasons.standings(season, "player")
    assert len(rows) == 8 and all(r.points <= 25 for r in rows)
    # two champions with their single best result, 25 each: the default cascade reaches "most recent result"
    assert [(r.rank, r.points, r.decided_by) for r in rows[:2]] == [(1, 25, "most_recent"), (2, 25, "most_recent")]
    assert rows[0].player_id in _players(st2).values()  # the champion of the later event
    seasons.update_season(season.pk, actor=organizer, changes={"tiebreaks": []})
    seasons.recompute(season.pk)
    assert [r.rank for r in seasons.standings(season, "player")][:2] == [1, 1]  # without tiebreaks: shared
    seasons.update_season(season.pk, actor=organizer, changes={"best_of": None})
    seasons.recompute(season.pk)
    assert seasons.standings(season, "player")[0].points == 25


def test_ranked_seeding_follows_the_season_table(organizer, game):
    t1, _r, stage = _played(organizer, game, 4)
    season = seasons.create_season(actor=organizer, name="Circuit", game=game, tournament_ids=[t1.pk])
    seasons.recompute(season.pk)
    ranked_players = seasons.season_ranking(season, "player")
    nxt = make_tournament(organizer, game, capacity=6, slug="next-event", format="single_elimination")
    from tournaments.services import registrations
    from tournaments.models import Player

    newcomers = enter(nxt, 2)
    # the season's players enter the next event in reverse order of their standing
    returning = [registrations.register(nxt, player=Player.objects.get(pk=p), actor=None) for p in reversed(ranked_players)]
    seasons.update_season(season.pk, actor=organizer, changes={}, tournament_ids=[t1.pk, nxt.pk])
    tournament_services.close_registration(nxt.pk, actor=organizer)
    new_stage = brackets.generate(nxt.pk, actor=organizer, seeding="ranked")
    seeded_players = [_players(new_stage)[r] for r in new_stage.seeds]
    assert seeded_players[:2] == ranked_players[:2]  # the champion is seed 1, the runner-up seed 2
    assert set(seeded_players[2:4]) == set(ranked_players[2:4])  # the two 3rd places share a rank
    assert set(seeded_players[4:]) == {r.player_id for r in newcomers}  # unranked entrants last
    assert len(returning) == 4


def test_ranked_seeding_without_a_season_uses_the_all_time_table(organizer, game):
    t1, _r, stage = _played(organizer, game, 4)
    champion = _players(stage)[stage.seeds[0]]
    table = seasons.all_time(game, "player")
    assert table[0]["row"].entrant == champion and table[0]["row"].points == 25


def test_refusals_change_nothing(organizer, other_organizer, game, team_game):
    t, _r, _s = _played(organizer, game, 4)
    with pytest.raises(DomainError, match="custom|table|Points"):
        seasons.create_season(actor=organizer, name="Bad", game=game, points_preset="custom", custom_points=[1, 5])
    with pytest.raises(DomainError, match="Unknown tiebreak"):
        seasons.create_season(actor=organizer, name="Bad", game=game, tiebreaks=["coin"])
    with pytest.raises(DomainError, match="one game"):
        seasons.create_season(actor=organizer, name="Bad", game=team_game, tournament_ids=[t.pk])
    with pytest.raises(DomainError, match="only add tournaments you manage"):
        seasons.create_season(actor=other_organizer, name="Bad", game=game, tournament_ids=[t.pk])
    assert not Season.objects.exists()
    season = seasons.create_season(actor=organizer, name="Mine", game=game, tournament_ids=[t.pk])
    with pytest.raises(DomainError, match="organizer"):
        seasons.update_season(season.pk, actor=other_organizer, changes={"name": "Stolen"})
    with pytest.raises(DomainError, match="organizer"):
        seasons.recompute(season.pk, actor=other_organizer)
    season.refresh_from_db()
    assert season.name == "Mine"


def test_seasons_for_scopes_by_owner_or_included_tournament(organizer, other_organizer, admin_user, game):
    mine = make_tournament(organizer, game, slug="mine")
    own = seasons.create_season(actor=organizer, name="Own", game=game, tournament_ids=[mine.pk])
    theirs = seasons.create_season(actor=other_organizer, name="Theirs", game=game)
    assert set(seasons.seasons_for(organizer)) == {own}
    assert set(seasons.seasons_for(other_organizer)) == {theirs}
    # bob's season picks up alice's tournament (as admin): alice now sees it too
    seasons.update_season(theirs.pk, actor=admin_user, changes={}, tournament_ids=[mine.pk])
    assert set(seasons.seasons_for(organizer)) == {own, theirs}
    assert set(seasons.seasons_for(admin_user)) == {own, theirs}
