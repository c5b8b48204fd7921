"""A players sheet creates and updates people (natural keys: email, game ID) without registering them."""
import pytest

from tests.imports.conftest import counts, csv_bytes, run
from tournaments.models import AuditLog, Player, Registration

pytestmark = pytest.mark.django_db


def test_players_created_then_updated_by_email_or_game_id(tournament, organizer):
    sheet = "Name,Email,Konami ID,Phone,Country\nAl,a@x.com,123456789,+8801700000000,bd\nBo,,223456789,,\n"
    report = run(tournament, csv_bytes(sheet), organizer, kind="players")
    assert report.ok and report.totals["new"] == 2, report.error_texts()
    al = Player.objects.get(email="a@x.com")
    assert al.country == "BD" and al.phone == "+8801700000000" and not Registration.objects.exists()
    update = "Name,Email,Konami ID\nAlan,a@x.com,123456789\nBo,bo@x.com,223456789\n"
    report = run(tournament, csv_bytes(update), organizer, kind="players")
    assert report.totals["updated"] == 2
    assert report.outcomes[0].changes == {"display_name": ["Al", "Alan"]}
    assert report.outcomes[1].changes == {"email": ["", "bo@x.com"]}
    assert Player.objects.get(email="bo@x.com").history.count() == 2
    assert AuditLog.objects.filter(action="player.import_update").count() == 2


def test_players_sheet_all_or_nothing(tournament, organizer):
    before = counts()
    report = run(tournament, csv_bytes("Name,Email\nAl,a@x.com\nBo,b@x\n"), organizer, kind="players")
    assert report.error_texts() == ["row 3, column 'Email': “b@x” is not an email address."]
    assert counts() == before
