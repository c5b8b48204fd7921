"""Exports: round trip without changes, formula escaping, public files without emails, scoping."""
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import enter, make_tournament
from tests.imports.conftest import counts, csv_bytes, golden, run
from tournaments.imports import exports, resources
from tournaments.models import Placement

pytestmark = pytest.mark.django_db


def _rows(content: bytes, fmt: str):
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_registrations_changes_nothing(riot_event, organizer, fmt):
    run(riot_event, golden("startgg_attendees.csv"), organizer)
    content, name, _type = exports.export("registrations", fmt, user=organizer, tournament=riot_event)
    assert name.endswith(f".{fmt}")
    before = counts()
    report = run(riot_event, content, organizer, name=name)
    assert report.ok, report.error_texts()
    assert report.totals == {"new": 0, "updated": 0, "skipped": 10, "invalid": 0, "rows": 10}
    assert counts() == before


def test_round_trip_paid_event_with_waivers_and_claims(paid_tournament, organizer):
    rows = ("Name,Email,Konami ID,Seed,Payment method,Payment reference,Fee waived,Waiver reason,Team size?\n"
            "Al,a@x.com,123456789,1,bKash,TX1,,,5\nBo,b@x.com,223456789,2,,,yes,sponsor,\n")
    assert run(paid_tournament, csv_bytes(rows), organizer).ok
    content, name, _type = exports.export("registrations", "csv", user=organizer, tournament=paid_tournament)
    report = run(paid_tournament, content, organizer, name=name)
    assert report.error_texts() == [] and report.totals["skipped"] == 2


def test_round_trip_team_event(team_event, organizer):
    run(team_event, golden("toornament_participants.xlsx"), organizer, kind="teams", name="t.xlsx")
    run(team_event, golden("toornament_participants.xlsx"), organizer, name="t.xlsx")
    content, name, _type = exports.export("registrations", "xlsx", user=organizer, tournament=team_event)
    header = _rows(content, "xlsx")[0]
    assert "Game ID" not in header and "Team" in header
    report = run(team_event, content, organizer, name=name)
    assert report.ok and report.totals["skipped"] == 3, report.error_texts()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_injected_formula_stays_text_and_is_escaped_on_export(tournament, organizer, fmt):
    evil = '=HYPERLINK("http://evil.example","click")'
    quoted = '"' + evil.replace('"', '""') + '"'
    text = f"Name,Email,Konami ID,Note\n{quoted},a@x.com,123456789,+SUM(1;2)\n"
    assert run(tournament, csv_bytes(text), organizer).ok
    assert tournament.registrations.get().player.display_name == evil  # stored as the text it is
    content, name, _type = exports.export("registrations", fmt, user=organizer, tournament=tournament)
    header, row = _rows(content, fmt)[:2]
    assert row[header.index("Name")] == "'" + evil and row[header.index("Note")] == "'+SUM(1;2)"
    if fmt == "xlsx":
        cell = openpyxl.load_workbook(io.BytesIO(content)).active.cell(row=2, column=header.index("Name") + 1)
        assert cell.data_type == "s"  # a string, not a formula
    again = run(tournament, content, organizer, name=name)  # our escaping is undone on import
    assert again.totals["skipped"] == 1, again.error_texts()


def test_library_formula_setting_applies_to_the_export_path(tournament, organizer, settings, monkeypatch):
    run(tournament, csv_bytes('Name,Email,Konami ID\n"=1+2",a@x.com,123456789\n'), organizer)
    monkeypatch.setattr(resources, "escape_cell", lambda value: value)
    monkeypatch.setattr(resources.EscapingResource, "export_field", resources.resources.ModelResource.export_field)
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
    header, row = _rows(exports.export("registrations", "csv", user=organizer, tournament=tournament)[0], "csv")[:2]
    assert row[header.index("Name")] == "1+2"  # django-import-export stripped the "="
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
    header, row = _rows(exports.export("registrations", "csv", user=organizer, tournament=tournament)[0], "csv")[:2]
    assert row[header.index("Name")] == "=1+2"


def test_public_exports_carry_no_emails(tournament, organizer):
    regs = enter(tournament, 3)
    for rank, reg in enumerate(regs, start=1):
        Placement.objects.create(tournament=tournament, registration=reg, rank=rank)
    for kind in ("placements", "results"):
        content = exports.export(kind, "csv", user=organizer, tournament=tournament)[0].decode("utf-8-sig")
        assert "@" not in content and "Email" not in content
    placements = _rows(exports.export("placements", "csv", user=organizer, tournament=tournament)[0], "csv")
    assert placements[0] == ["Tournament", "Rank", "Name", "Team", "Decided by"] and len(placements) == 4


def test_exports_never_include_foreign_rows(client, tournament, organizer, other_organizer, game):
    enter(tournament, 2)
    theirs = make_tournament(other_organizer, game, name="Bob Cup", slug="bob-cup")
    enter(theirs, 3)
    client.force_login(other_organizer)
    for kind in ("registrations", "audit", "results", "placements", "payouts"):
        response = client.get(reverse("admin_ui:scoped_export", args=[kind, "csv"]))
        assert response.status_code == 200
        assert "Weekly Cup" not in response.content.decode("utf-8-sig"), kind
    mine = _rows(client.get(reverse("admin_ui:scoped_export", args=["registrations", "csv"])).content, "csv")
    assert len(mine) == 4
    audit = client.get(reverse("admin_ui:scoped_export", args=["audit", "xlsx"]))
    assert audit["Content-Disposition"].startswith('attachment; filename="all-audit-')
    assert client.get(reverse("admin_ui:tournament_export", args=[tournament.pk, "audit", "csv"])).status_code == 404


def test_export_download_headers(client, tournament, organizer):
    enter(tournament, 1)
    client.force_login(organizer)
    response = client.get(reverse("admin_ui:tournament_export", args=[tournament.pk, "registrations", "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert client.get(reverse("admin_ui:tournament_export", args=[tournament.pk, "nothing", "csv"])).status_code == 404
    assert client.get(reverse("admin_ui:tournament_export", args=[tournament.pk, "audit", "pdf"])).status_code == 404
