"""Fixtures for import tests: a solo Riot-ID event, a team event, file helpers and row counters."""
import io
from pathlib import Path

import openpyxl
import pytest

from tests.factories import make_tournament
from tournaments.imports.engine import import_file
from tournaments.models import AuditLog, Game, ImportJob, Notification, Payment, Player, Registration, Team, TeamMembership

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def riot_game(db):
    return Game.objects.create(name="Valorant 1v1", slug="valorant-1v1", team_size=1, max_substitutes=0,
                               id_format="riot_id", result_type="map_score")


@pytest.fixture
def riot_event(organizer, riot_game):
    return make_tournament(organizer, riot_game, name="Dhaka Valorant Cup", slug="dhaka-valorant", capacity=64)


@pytest.fixture
def team_event(organizer, team_game):
    return make_tournament(organizer, team_game, name="Valorant Teams", slug="valorant-teams", participation="team", capacity=16)


@pytest.fixture
def clean_rq():
    """Services tier: empty the test Redis database's RQ keys before and after."""
    from django.conf import settings

    if settings.JOBS_INLINE:
        yield None
        return
    import django_rq

    connection = django_rq.get_connection("default")
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)
    yield connection
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)


def golden(name: str) -> bytes:
    return (DATA / name).read_bytes()


def csv_bytes(text: str, encoding="utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> dict:
    """Rows of every model an import may write: compared before/after a refused import."""
    models = [Player, Registration, Payment, Team, TeamMembership, AuditLog, Notification,
              Player.history.model, Registration.history.model, Payment.history.model, Team.history.model]
    return {m.__name__: m.objects.count() for m in models}


def run(tournament, data, actor, *, kind="registrations", name="file.csv", **kwargs):
    return import_file(tournament, kind, name, data, actor=actor, **kwargs)


__all__ = ["DATA", "golden", "csv_bytes", "xlsx_bytes", "counts", "run", "ImportJob"]
