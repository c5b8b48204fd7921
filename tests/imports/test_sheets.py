"""Teams with rosters, results for a round and payment-verification sheets (service-backed rows)."""
import pytest

from tests.factories import enter, make_tournament
from tests.imports.conftest import counts, csv_bytes, run
from tournaments.imports.readers import FileError
from tournaments.models import AuditLog, Match, Payment, Registration, Team
from tournaments.services import brackets, matches
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db

WIDE = "Team,Tag,Captain,Player 2,Player 3,Player 4,Player 5,Sub 1\n"


def _wide_row(name, tag, n=5, subs=1, prefix=None):
    prefix = prefix or tag
    members = [f"{prefix}{i}#EUW" for i in range(1, n + 1)] + [f"{prefix}S{i}#EUW" for i in range(1, subs + 1)]
    return ",".join([name, tag, *members]) + "\n"


def test_wide_roster_creates_then_updates_and_keeps_history(team_event, organizer):
    report = run(team_event, csv_bytes(WIDE + _wide_row("Alpha", "ABC") + _wide_row("Beta", "BET")), organizer, kind="teams")
    assert report.ok, report.error_texts()
    assert report.totals["new"] == 2
    alpha = Team.objects.get(tag="ABC")
    assert alpha.captain.display_name == "ABC1" and alpha.captain.game_ids == {"valorant": "ABC1#EUW"}
    roles = sorted(alpha.memberships.values_list("role", flat=True))
    assert roles == ["captain", "player", "player", "player", "player", "substitute"]
    assert alpha.history.count() == 1
    again = run(team_event, csv_bytes(WIDE + _wide_row("Alpha", "ABC") + _wide_row("Beta", "BET")), organizer, kind="teams")
    assert again.totals["skipped"] == 2 and Team.objects.count() == 2
    changed = WIDE + "Alpha Prime,ABC,ABC1#EUW,ABC2#EUW,ABC3#EUW,ABC4#EUW,NEW5#EUW,ABCS1#EUW\n"
    report = run(team_event, csv_bytes(changed), organizer, kind="teams")
    assert report.totals["updated"] == 1
    assert report.outcomes[0].changes["name"] == ["Alpha", "Alpha Prime"]
    assert report.outcomes[0].changes["roster"] == ["ABC5", "NEW5"]
    alpha.refresh_from_db()
    assert alpha.name == "Alpha Prime" and alpha.memberships.count() == 6
    assert AuditLog.objects.filter(action="team.roster", target_id=str(alpha.pk)).exists()


def test_one_row_per_member(team_event, organizer):
    rows = "Team,Tag,Player,Email,Riot ID,Role\n" + "".join(
        f"Gamma,GAM,G{i},g{i}@x.com,G{i}#AP1,{'captain' if i == 1 else ('sub' if i == 6 else 'player')}\n" for i in range(1, 7))
    report = run(team_event, csv_bytes(rows), organizer, kind="teams")
    assert report.ok, report.error_texts()
    assert report.totals == {"new": 1, "updated": 0, "skipped": 5, "invalid": 0, "rows": 6}
    team = Team.objects.get(tag="GAM")
    assert team.captain.email == "g1@x.com" and team.memberships.filter(role="substitute").count() == 1


LONG_H = "Team,Tag,Player,Riot ID,Role\n"
TEAM_CASES = [
    ("roster too small", WIDE.replace(",Player 4,Player 5,Sub 1", "") + "Alpha,ABC,A1#EUW,A2#EUW,A3#EUW\n",
     ["row 2: roster too small: team ABC has 3 players; Valorant teams field 5."]),
    ("roster too big", WIDE.replace(",Sub 1", ",Player 6") + _wide_row("Alpha", "ABC", n=6, subs=0),
     ["row 2: Valorant teams field 5 players; this roster has 6."]),
    ("too many substitutes", WIDE.replace("Sub 1", "Sub 1,Sub 2,Sub 3") + _wide_row("Alpha", "ABC", subs=3),
     ["row 2: Valorant allows 2 substitutes; this roster has 3."]),
    ("member with a bad game id", WIDE + "Alpha,ABC,A1#EUW,A2#EUW,Zed,A4#EUW,A5#EUW,\n",
     ["row 2, column 'Player 3': “Zed” is not a valid Riot ID (name#TAG), e.g. Zed#EUW1."]),
    ("same player twice", WIDE + "Alpha,ABC,A1#EUW,A2#EUW,A3#EUW,A4#EUW,A1#EUW,\n",
     ["row 2, column 'Player 5': “A1#EUW” is already used on row 2."]),
    ("duplicate tag", WIDE + _wide_row("Alpha", "ABC") + _wide_row("Again", "abc", prefix="X"),
     ["row 3, column 'Tag': tag ABC is already on row 2."]),
    ("tag too long", WIDE + _wide_row("Alpha", "ABCDEFGHIJKLM", prefix="A"),
     ["row 2, column 'Tag': tag “ABCDEFGHIJKLM” is longer than 12 characters."]),
    ("two captains", LONG_H + "".join(f"Alpha,ABC,A{i},A{i}#EUW,{'captain' if i < 3 else 'player'}\n" for i in range(1, 6)),
     ["row 2: team ABC needs exactly one captain (it has 2)."]),
    ("unknown role", LONG_H + "Alpha,ABC,A1,A1#EUW,coach\n", ["row 2, column 'Role': “coach” is not a role; use captain, player or substitute."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in TEAM_CASES], ids=[c[0] for c in TEAM_CASES])
def test_bad_team_rows(team_event, organizer, text, expected):
    before = counts()
    report = run(team_event, csv_bytes(text), organizer, kind="teams")
    assert report.error_texts() == expected
    assert counts() == before


def test_team_sheet_needs_members(team_event, organizer):
    with pytest.raises(FileError, match="needs the members"):
        run(team_event, csv_bytes("Team,Tag\nAlpha,ABC\n"), organizer, kind="teams")


# ---- results ---------------------------------------------------------------------------------
@pytest.fixture
def bracket_event(organizer, game):
    t = make_tournament(organizer, game, capacity=4, slug="results-cup")
    enter(t, 4)
    tournament_services.close_registration(t.pk, actor=organizer)
    tournament_services.start(t.pk, actor=organizer)
    brackets.generate(t.pk, actor=organizer)
    return t


def _statuses(t):
    return dict(Match.objects.filter(tournament=t).values_list("key", "status"))


def test_results_for_a_round_then_the_next_in_one_file(bracket_event, organizer):
    sheet = "Match,Score A,Score B,Reason\nWB1.1,1,0,LAN sheet\nWB1.2,0,1,\nWB2.1,13-11,,\n"
    report = run(bracket_event, csv_bytes(sheet.replace("13-11,,", "1,0")), organizer, kind="results", options={"reason": "Day 1"})
    assert report.ok, report.error_texts()
    assert report.totals["updated"] == 3
    final = Match.objects.get(tournament=bracket_event, key="WB2.1")
    assert final.status == Match.Status.COMPLETED and final.score_a == 1
    assert AuditLog.objects.get(action="match.override", target_id=str(Match.objects.get(key="WB1.1", tournament=bracket_event).pk)).reason == "LAN sheet"
    assert AuditLog.objects.get(action="match.override", target_id=str(final.pk)).reason == "Day 1"
    again = run(bracket_event, csv_bytes("Match,Score\nWB1.1,1-0\n"), organizer, kind="results")
    assert again.totals["skipped"] == 1


RESULT_CASES = [
    ("unknown match", "Match,Score A,Score B\nWB9.9,1,0\n", ["row 2, column 'Match': no match with key “WB9.9” in Weekly Cup."]),
    ("score not a number", "Match,Score A,Score B\nWB1.1,one,0\n", ["row 2, column 'Score A': Score A must be a whole number, not “one”."]),
    ("draw", "Match,Score A,Score B\nWB1.1,1,1\n", ["row 2: A match needs a winner; 1–1 is a draw."]),
    ("combined score unreadable", "Match,Score\nWB1.1,won\n",
     ["row 2, column 'Score': give the scores as “2-1” (or in “Score A” and “Score B” columns), not “won”."]),
    ("duplicate match", "Match,Score A,Score B\nWB1.1,1,0\nwb1.1,0,1\n", ["row 3, column 'Match': match wb1.1 is already on row 2."]),
    ("next round not ready", "Match,Score A,Score B\nWB2.1,1,0\n", ["row 2: Match WB2.1 does not have both entrants yet."]),
    ("later row refused rolls back earlier rows", "Match,Score A,Score B\nWB1.1,1,0\nWB1.2,2,2\n",
     ["row 3: A match needs a winner; 2–2 is a draw."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in RESULT_CASES], ids=[c[0] for c in RESULT_CASES])
def test_bad_result_rows(bracket_event, organizer, text, expected):
    before, statuses = counts(), _statuses(bracket_event)
    report = run(bracket_event, csv_bytes(text), organizer, kind="results")
    assert report.error_texts() == expected
    assert counts() == before and _statuses(bracket_event) == statuses


def test_completed_match_with_another_score_is_refused(bracket_event, organizer):
    match = Match.objects.get(tournament=bracket_event, key="WB1.1")
    matches.override_score(match.pk, actor=organizer, score_a=1, score_b=0, reason="played")
    report = run(bracket_event, csv_bytes("Match,Score A,Score B\nWB1.1,0,1\n"), organizer, kind="results")
    assert report.error_texts() == ["row 2, column 'Match': match WB1.1 is completed (1–0); correct it on the match page."]


def test_results_sheet_needs_a_match_column(bracket_event, organizer):
    with pytest.raises(FileError) as caught:
        run(bracket_event, csv_bytes("Score A,Score B,Reason\n1,0,x\n"), organizer, kind="results")
    assert caught.value.message == "No header row found in the first 30 rows: the file needs a column such as “Match”."


# ---- payments ------------------------------------------------------------------------------
@pytest.fixture
def claims(paid_tournament, organizer):
    rows = "Name,Email,Konami ID,Payment method,Payment reference\n" + "".join(
        f"P{i},p{i}@x.com,12345678{i},bKash,TX{i}\n" for i in range(1, 4))
    report = run(paid_tournament, csv_bytes(rows), organizer)
    assert report.ok, report.error_texts()
    return paid_tournament


def test_payment_sheet_verifies_and_rejects(claims, organizer):
    report = run(claims, csv_bytes("Reference,Decision,Reason\nTX1,verify,\ntx2,reject,Wrong amount\n"), organizer, kind="payments")
    assert report.ok, report.error_texts()
    assert dict(Payment.objects.values_list("reference", "status")) == {"TX1": "verified", "TX2": "rejected", "TX3": "submitted"}
    reg = Registration.objects.get(payments__reference="TX1")
    assert reg.status == Registration.Status.CONFIRMED
    again = run(claims, csv_bytes("Reference\nTX1\n"), organizer, kind="payments")
    assert again.totals["skipped"] == 1


PAYMENT_CASES = [
    ("unknown reference", "Reference\nTX9\n", ["row 2, column 'Reference': no payment with reference “TX9” in Paid Cup."]),
    ("reject without reason", "Reference,Decision\nTX1,reject\n", ["row 2: Give a reason for rejecting the payment; the participant will see it."]),
    ("unknown decision", "Reference,Decision\nTX1,later\n", ["row 2, column 'Decision': “later” is not a decision; write verify or reject."]),
    ("amount differs", "Reference,Amount\nTX1,400\n", ["row 2, column 'Amount': the sheet says 400 but the claim is 500.00 BDT."]),
    ("duplicate reference", "Reference\nTX1\nTX1\n", ["row 3, column 'Reference': reference TX1 is already on row 2."]),
    ("empty reference", "Reference,Decision\n,verify\n", ["row 2, column 'Reference': a payment reference is required."]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in PAYMENT_CASES], ids=[c[0] for c in PAYMENT_CASES])
def test_bad_payment_rows(claims, organizer, text, expected):
    before = counts()
    statuses = dict(Payment.objects.values_list("reference", "status"))
    report = run(claims, csv_bytes(text), organizer, kind="payments")
    assert report.error_texts() == expected
    assert counts() == before and dict(Payment.objects.values_list("reference", "status")) == statuses
