"""Bad input, one kind per case: the exact message (row, column, what to fix) and nothing written."""
import io
import zipfile

import pytest

from tests.factories import enter, make_player
from tests.imports.conftest import counts, csv_bytes, run, xlsx_bytes
from tournaments.imports.readers import FileError
from tournaments.models import Registration, Team
from tournaments.services import setup

pytestmark = pytest.mark.django_db

H = "Name,Email,Konami ID"
ROW_CASES = [
    ("missing name", f"{H}\n,a@x.com,123456789\n", ["row 2, column 'Name': a name is required."]),
    ("name too long", f"{H}\n{'x' * 65},a@x.com,123456789\n", [f"row 2, column 'Name': “{'x' * 65}” is longer than 64 characters."]),
    ("bad email", f"{H}\nAl,al@x,123456789\n", ["row 2, column 'Email': “al@x” is not an email address."]),
    ("bad game id", f"{H}\nAl,al@x.com,12\n",
     ["row 2, column 'Konami ID': “12” is not a valid Konami ID (9–12 digits), e.g. 123456789."]),
    ("no natural key", f"{H}\nAl,,\n",
     ["row 2: give an email or a Konami ID (9–12 digits) so the player is recognised on a re-import."]),
    ("duplicate email in file", f"{H}\nAl,a@x.com,123456789\nBo,A@x.com,223456789\n",
     ["row 3, column 'Email': “a@x.com” is already used on row 2."]),
    ("duplicate game id in file", f"{H}\nAl,a@x.com,123456789\nBo,b@x.com, 123456789\n",
     ["row 3, column 'Konami ID': “123456789” is already used on row 2."]),
    ("seed not a number", f"{H},Seed\nAl,a@x.com,123456789,first\n", ["row 2, column 'Seed': “first” is not a whole number of 1 or more."]),
    ("seed zero", f"{H},Seed\nAl,a@x.com,123456789,0\n", ["row 2, column 'Seed': “0” is not a whole number of 1 or more."]),
    ("seed negative", f"{H},Seed\nAl,a@x.com,123456789,-3\n", ["row 2, column 'Seed': “-3” is not a whole number of 1 or more."]),
    ("duplicate seed", f"{H},Seed\nAl,a@x.com,123456789,1\nBo,b@x.com,223456789,1.0\n",
     ["row 3, column 'Seed': seed 1 is already given on row 2."]),
    ("check-in not yes/no", f"{H},Checked in\nAl,a@x.com,123456789,maybe\n", ["row 2, column 'Checked in': “maybe” is not yes or no."]),
    ("fee waived not yes/no", f"{H},Fee waived\nAl,a@x.com,123456789,perhaps\n", ["row 2, column 'Fee waived': “perhaps” is not yes or no."]),
    ("waiver without reason", f"{H},Fee waived\nAl,a@x.com,123456789,yes\n",
     ["row 2, column 'Fee waived': give a reason for the fee waiver (column “Waiver reason”)."]),
    ("country not a code", f"{H},Country\nAl,a@x.com,123456789,Bangladesh\n",
     ["row 2, column 'Country': “BANGLADESH” is not a two-letter country code (e.g. BD)."]),
    ("phone too long", f"{H},Phone\nAl,a@x.com,123456789,{'1' * 33}\n", [f"row 2, column 'Phone': “{'1' * 33}” is longer than 32 characters."]),
    ("payment on a free event", f"{H},Payment method,Payment reference\nAl,a@x.com,123456789,bKash,TX1\n",
     ["row 2, column 'Payment method': No entry fee is due for this registration."]),
    ("several problems in one row", f"{H},Seed\n,bad,1,x\n",
     ["row 2, column 'Name': a name is required.", "row 2, column 'Email': “bad” is not an email address.",
      "row 2, column 'Konami ID': “1” is not a valid Konami ID (9–12 digits), e.g. 123456789.",
      "row 2, column 'Seed': “x” is not a whole number of 1 or more."]),
    ("error row number below a title", f"Weekly cup\n\n{H}\nAl,a@x.com,123456789\nBo,b@x.com,zz\n",
     ["row 5, column 'Konami ID': “zz” is not a valid Konami ID (9–12 digits), e.g. 123456789."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])
def test_bad_row_in_a_solo_event(tournament, organizer, text, expected):
    make_player()  # something in the database, so "unchanged" is not trivially zero
    before = counts()
    report = run(tournament, csv_bytes(text), organizer)
    assert report.error_texts() == expected
    assert counts() == before


PAID_H = "Name,Email,Konami ID,Payment method,Payment reference,Payment amount"
PAID_CASES = [
    ("method not accepted", f"{PAID_H}\nAl,a@x.com,123456789,Rocket,TX1,500\n",
     ["row 2, column 'Payment method': “Rocket”: Paid Cup accepts bKash, Nagad."]),
    ("amount not enough", f"{PAID_H}\nAl,a@x.com,123456789,bKash,TX1,100\n",
     ["row 2, column 'Payment amount': The entry fee is 500.00 BDT; 100.00 is not enough."]),
    ("amount not a number", f"{PAID_H}\nAl,a@x.com,123456789,bKash,TX1,lots\n",
     ["row 2, column 'Payment amount': “lots” is not an amount."]),
    ("reference too long", f"{PAID_H}\nAl,a@x.com,123456789,bKash,{'R' * 101},500\n",
     [f"row 2, column 'Payment reference': “{'R' * 101}” is longer than 100 characters."]),
    ("check-in while awaiting payment", "Name,Email,Konami ID,Checked in\nAl,a@x.com,123456789,yes\n",
     ["row 2, column 'Checked in': Al is awaiting payment; only confirmed entrants check in."]),
    ("payment and waiver together", f"{PAID_H},Fee waived,Waiver reason\nAl,a@x.com,123456789,bKash,TX1,500,yes,sponsor\n",
     ["row 2, column 'Payment method': No entry fee is due for this registration."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in PAID_CASES], ids=[c[0] for c in PAID_CASES])
def test_bad_row_in_a_paid_event(paid_tournament, organizer, text, expected):
    before = counts()
    report = run(paid_tournament, csv_bytes(text), organizer)
    assert report.error_texts() == expected
    assert counts() == before


def test_over_capacity_when_the_waitlist_is_refused(tournament, organizer):
    enter(tournament, 7)
    before = counts()
    report = run(tournament, csv_bytes(f"{H}\nAl,a@x.com,123456789\nBo,b@x.com,223456789\n"), organizer,
                 options={"overflow": "refuse"})
    assert report.error_texts() == ["row 3: over capacity (8/8 confirmed); raise the capacity or let the rest join the waitlist."]
    assert counts() == before


def test_email_and_game_id_of_two_different_players(tournament, organizer):
    setup.create_player(actor=None, display_name="Al", email="a@x.com")
    setup.create_player(actor=None, display_name="Bo", email="b@x.com", game_ids={"efootball": "123456789"})
    before = counts()
    report = run(tournament, csv_bytes(f"{H}\nAl,a@x.com,123456789\n"), organizer)
    assert report.error_texts() == ["row 2, column 'Konami ID': “123456789” belongs to Bo, but the email belongs to Al."]
    assert counts() == before


def test_withdrawing_a_fee_waiver_is_refused(paid_tournament, organizer):
    run(paid_tournament, csv_bytes(f"{H},Fee waived,Waiver reason\nAl,a@x.com,123456789,yes,sponsor\n"), organizer)
    before = counts()
    report = run(paid_tournament, csv_bytes(f"{H},Fee waived\nAl,a@x.com,123456789,no\n"), organizer)
    pk = paid_tournament.registrations.get().pk
    assert report.error_texts() == [f"row 2, column 'Fee waived': the fee waiver of registration #{pk} cannot be withdrawn by an import."]
    assert counts() == before


def test_xlsx_formula_cell_is_refused(tournament, organizer):
    data = xlsx_bytes([["Name", "Email", "Konami ID"], ['=HYPERLINK("http://evil.example","click")', "a@x.com", "123456789"]])
    before = counts()
    report = run(tournament, data, organizer, name="f.xlsx")
    assert report.error_texts() == ["row 2, column 'Name': “=HYPERLINK(\"http://evil.example\",\"click\")” is a formula; "
                                    "type the value itself (formulas are not imported)."]
    assert counts() == before


TEAM_CASES = [
    ("unknown team", "Team\nXYZ\n", ["row 2, column 'Team': no Valorant team has the tag or name “XYZ”; import the teams first."]),
    ("empty team cell", "Team,Seed\n,1\n", ["row 2, column 'Team': a team (tag or name) is required."]),
    ("duplicate team", "Team\nABC\nabc\n", ["row 3, column 'Team': team ABC is already on row 2."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in TEAM_CASES], ids=[c[0] for c in TEAM_CASES])
def test_bad_row_in_a_team_event(team_event, team_game, organizer, text, expected):
    captain = setup.create_player(actor=None, display_name="Cap", email="cap@x.com")
    setup.create_team(actor=None, game=team_game, name="Alpha", tag="ABC", captain=captain)
    before = counts()
    report = run(team_event, csv_bytes(text), organizer)
    assert report.error_texts() == expected
    assert counts() == before


def _zip(names) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


FILE_CASES = [
    ("empty file", "a.csv", b"", "The file is empty."),
    ("blank lines only", "a.csv", b"\r\n\r\n  \r\n", "The file is empty."),
    ("header only", "a.csv", b"Name,Email,Konami ID\r\n", "The file has a header row (row 1) but no rows below it."),
    ("no header row", "a.csv", b"foo,bar\r\n1,2\r\n",
     "No header row found in the first 30 rows: the file needs a column such as “Email”, “Game Id”, “Invite Name Or Email”, "
     "“Name”, “Team”."),
    ("wrong file type", "a.pdf", b"%PDF-1.4 ...", "“a.pdf” is not a CSV or Excel (.xlsx) file."),
    ("zip that is not an xlsx", "a.xlsx", _zip(["readme.txt"]), "The file is a zip archive, not an Excel workbook (.xlsx)."),
    ("damaged xlsx", "a.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml"]), "The file is damaged or not an Excel workbook (.xlsx)."),
    ("text named xlsx", "a.xlsx", b"Name,Email\r\nAl,a@x.com\r\n",
     "“a.xlsx” is not an Excel workbook (.xlsx); save it again from your spreadsheet program."),
    ("zip named csv", "a.csv", _zip(["x.txt"]), "“a.csv” is not a text (CSV) file."),
    ("binary named csv", "a.csv", b"Name\x00\x01\x02\x03", "“a.csv” is not a text (CSV) file."),
    ("broken utf-8 after a BOM", "a.csv", b"\xef\xbb\xbfName,Email\r\nJos\xe9,a@x.com\r\n",
     "The file starts with a UTF-8 mark but is not valid UTF-8; save it again as “CSV UTF-8”."),
    ("too large", "a.csv", b"Name,Email\r\n" + b"x" * (10 * 1024 * 1024 + 1),
     "The file is 10.0 MB; the limit is 10 MB. Split it into several files."),
    ("over the row limit", "a.csv",
     b"Name,Email\r\n" + b"".join(b"P%d,p%d@x.com\r\n" % (i, i) for i in range(20_001)),
     "The file has more than 20,000 rows; split it into files of at most 20,000 rows."),
    ("no name column", "a.csv", b"Email,Konami ID\r\na@x.com,123456789\r\n", "The file needs a name column (e.g. “Name”, “GamerTag”)."),
    ("no key column", "a.csv", b"Name,Seed\r\nAl,1\r\n",
     "The file needs an “Email” or a game ID column so players are recognised on a re-import."),
]


@pytest.mark.parametrize("name,data,expected", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_file(tournament, organizer, name, data, expected):
    before = counts()
    with pytest.raises(FileError) as caught:
        run(tournament, data, organizer, name=name)
    assert caught.value.message == expected
    assert counts() == before


def test_registration_closed_for_a_live_event(tournament, organizer):
    from tournaments.services import tournaments as tournament_services

    enter(tournament, 2)
    tournament_services.start(tournament.pk, actor=organizer)
    before = counts()
    with pytest.raises(FileError) as caught:
        run(tournament, csv_bytes(f"{H}\nAl,a@x.com,123456789\n"), organizer)
    assert caught.value.message == "Registration for “Weekly Cup” is not open (the tournament is Live)."
    assert counts() == before


def test_team_event_without_team_column(team_event, organizer):
    with pytest.raises(FileError) as caught:
        run(team_event, csv_bytes("Email\na@x.com\n"), organizer)
    assert caught.value.message == "“Valorant Teams” is a team tournament: the file needs a “Team” column (tag or name)."


def test_team_rows_obey_the_roster_rules_of_a_registration(team_event, team_game, organizer):
    """A team import checks what ``registrations.register`` checks: one team per player in the
    tournament (against entries already in and rows above), one game ID per person, the minimum
    roster. The message names the clash; nothing is written."""
    from tournaments.models import Game
    from tournaments.services import registrations

    def person(name, riot=None):
        return setup.create_player(actor=None, display_name=name, email=f"{name.lower()}@x.com",
                                   game_ids={"valorant": riot} if riot else {})

    shared = person("Shared")
    setup.create_team(actor=None, game=team_game, name="Alpha", tag="ALP", captain=person("CapA"), players=[shared])
    setup.create_team(actor=None, game=team_game, name="Beta", tag="BET", captain=person("CapB"), players=[shared])
    setup.create_team(actor=None, game=team_game, name="Gamma", tag="GAM", captain=person("CapG", "Zed#EUW1"))
    setup.create_team(actor=None, game=team_game, name="Delta", tag="DEL", captain=person("CapD", "zed#euw1"))
    before = counts()
    report = run(team_event, csv_bytes("Team\nALP\nBET\nGAM\nDEL\n"), organizer)
    assert report.error_texts() == [
        "row 3, column 'Team': Shared already plays for Alpha in Valorant Teams (row 2 of this file); a player can be "
        "in one team per tournament.",
        "row 5, column 'Team': The Valorant ID zed#euw1 of CapD is already used by CapG (Gamma, row 4 of this file).",
    ]
    assert counts() == before

    entered = registrations.register(team_event, team=Team.objects.get(tag="ALP"), actor=organizer)
    report = run(team_event, csv_bytes("Team\nBET\n"), organizer)
    assert report.error_texts() == [
        f"row 2, column 'Team': Shared already plays for Alpha in Valorant Teams (registration #{entered.pk}); a player "
        "can be in one team per tournament."]

    Game.objects.filter(pk=team_game.pk).update(min_players=3)  # set-up: the game now needs 3 starters
    report = run(team_event, csv_bytes("Team\nGAM\n"), organizer)
    assert report.error_texts() == ["row 2, column 'Team': Gamma needs at least 3 players (captain included, substitutes "
                                    "not) to enter a Valorant tournament; it has 1."]
    assert Registration.objects.filter(tournament=team_event).count() == 1
