"""Golden files: every preset and format imports as expected, and re-importing changes nothing."""
import pytest

from tests.imports.conftest import golden, run
from tournaments.models import AuditLog, Player, Registration, Team

pytestmark = pytest.mark.django_db


def test_startgg_csv_with_header_on_row_3(riot_event, organizer):
    report = run(riot_event, golden("startgg_attendees.csv"), organizer)
    assert report.ok, report.error_texts()
    assert report.header_row == 3 and report.mapping["preset"] == "startgg"
    assert report.totals == {"new": 10, "updated": 0, "skipped": 0, "invalid": 0, "rows": 10}
    assert report.outcomes[0].row == 4
    fields = report.mapping["fields"]
    assert fields["name"] == "GamerTag" and fields["game_id"] == "Riot ID" and fields["checked_in"] == "Checked In"
    assert {"Id", "Short GamerTag", "Total Owed", "Discriminator"} <= set(report.mapping["ignored"])
    assert set(report.mapping["answers"]) == {"Admin Notes", "Discord ID", "What is your rank?"}
    first = Registration.objects.select_related("player").get(player__email="player1@example.com")
    assert first.player.display_name == "TEAM | Player1"
    assert first.player.game_ids == {"valorant-1v1": "Player1#BD01"}
    assert first.answers == {"Admin Notes": "VIP", "Discord ID": "player1#0001", "What is your rank?": "Gold"}
    assert first.status == Registration.Status.CONFIRMED and first.checked_in_at is not None
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 4
    again = run(riot_event, golden("startgg_attendees.csv"), organizer)
    assert again.totals["skipped"] == 10 and again.totals["new"] == again.totals["updated"] == 0
    assert Registration.objects.count() == 10 and Player.objects.count() == 10


def test_challonge_csv_uses_invite_column_when_email_is_empty(tournament, organizer):
    tournament.capacity = 8
    report = run(tournament, golden("challonge_participants.csv"), organizer, options={})
    assert report.ok, report.error_texts()
    assert report.mapping["preset"] == "challonge"
    assert report.mapping["fields"]["email"] == "email" and report.mapping["fields"]["seed"] == "seed"
    assert {"id", "group_id", "on_waiting_list", "final_rank", "display_name"} <= set(report.mapping["ignored"])
    assert report.mapping["answers"] == ["misc"]
    regs = list(Registration.objects.select_related("player").order_by("seed"))
    assert [r.seed for r in regs] == list(range(1, 9))
    assert regs[1].player.email == "c2@example.com" and regs[1].answers == {"misc": "table 2"}
    assert sum(1 for r in regs if r.checked_in_at) == 2


def test_toornament_xlsx_teams_then_registrations(team_event, organizer):
    teams = run(team_event, golden("toornament_participants.xlsx"), organizer, kind="teams", name="t.xlsx")
    assert teams.ok, teams.error_texts()
    assert teams.totals["new"] == 3
    team = Team.objects.get(name="Team Tornado 1")
    assert team.tag == "TEAMTORNADO1" and team.memberships.count() == 5
    assert team.captain.email == "t1p0@example.com" and team.captain.game_ids == {"valorant": "T1P0#EU10"}
    regs = run(team_event, golden("toornament_participants.xlsx"), organizer, name="t.xlsx")
    assert regs.ok, regs.error_texts()
    assert regs.mapping["preset"] == "toornament" and regs.totals["new"] == 3
    reg = Registration.objects.get(team=team)
    assert reg.status == Registration.Status.CONFIRMED and reg.checked_in_at is not None
    assert reg.answers == {"discord": "tornado1#1111"}
    assert run(team_event, golden("toornament_participants.xlsx"), organizer, kind="teams", name="t.xlsx").totals["skipped"] == 3
    assert run(team_event, golden("toornament_participants.xlsx"), organizer, name="t.xlsx").totals["skipped"] == 3


def test_cp1252_semicolon_csv(tournament, organizer):
    report = run(tournament, golden("generic_cp1252.csv"), organizer)
    assert report.ok, report.error_texts()
    names = set(Player.objects.values_list("display_name", flat=True))
    assert names == {"José Müller", "Zoë Ørsted", "François «Le Roi»"}
    assert Registration.objects.get(player__email="fr@example.com").answers == {"Ciudad": "Besançon €"}


def test_utf8_bom_csv(tournament, organizer):
    report = run(tournament, golden("generic_utf8_bom.csv"), organizer)
    assert report.ok, report.error_texts()
    assert report.mapping["fields"]["name"] == "Name"  # the BOM is not part of the first header
    rakib = Player.objects.get(email="rakib@example.com")
    assert rakib.display_name == "রাকিব হাসান" and rakib.country == "BD"
    assert Registration.objects.get(player=rakib).answers == {"Team name in Bangla": "ঢাকা টাইগার্স"}


def test_history_and_audit_written_for_imported_rows(riot_event, organizer):
    run(riot_event, golden("startgg_attendees.csv"), organizer)
    reg = Registration.objects.select_related("player").first()
    record = reg.history.get()
    assert record.history_user == organizer and record.history_change_reason == "confirm: pending → confirmed"
    assert reg.player.history.get().history_type == "+"
    assert AuditLog.objects.filter(action="registration.create", target_id=str(reg.pk)).exists()
    assert AuditLog.objects.filter(action="player.create").count() == 10
    assert AuditLog.objects.filter(action="checkin.in").count() == 4
