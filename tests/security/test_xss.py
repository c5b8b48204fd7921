"""XSS: a script payload in every user text field comes back escaped on every page that renders it.

The world builder puts PAYLOAD into player display names, team names, tournament names and
descriptions, announcements, dispute text and escalation notes, custom-field labels, help texts and
answers, sanction reasons, season and template names, payment references, lobby codes, webhook
descriptions and import rows. Every admin / Command Center page (as
the owner and as a superuser) and every lobby page and fragment (as a participant and a spectator) is
fetched: no HTML response may contain the payload's markup unescaped, and the escaped form must show
up (so the payload really was rendered).
"""
import pytest
from django.test import Client
from django.urls import reverse

from tests.security.lobby_routes import lobby_urls
from tests.security.routes import all_patterns, classify
from tests.security.support import body_text
from tests.security.world import build
from tournaments.services import lobby_access

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
DANGEROUS = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def world(django_capture_on_commit_callbacks, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    return build(django_capture_on_commit_callbacks, mark=PAYLOAD)


def _check(client, url, problems, seen):
    response = client.get(url)
    if response.status_code >= 500:
        problems.append(f"GET {url}: {response.status_code}")
        return
    if "html" not in response.get("Content-Type", ""):
        return  # CSV/xlsx/JSON/PDF are not rendered by a browser as a page
    body = body_text(response)
    for bad in DANGEROUS:
        if bad in body:
            at = body.index(bad)
            problems.append(f"GET {url}: unescaped {bad!r} …{body[max(0, at - 120):at + 40]!r}")
    if ESCAPED in body:
        seen.add(url)


def test_admin_pages_escape_user_text(world):
    owner = Client()
    owner.force_login(world.a)
    root = Client()
    root.force_login(type(world.a).objects.create_superuser("root_xss", "root@example.com", "pw"))
    problems, seen, urls = [], set(), set()
    for route in all_patterns():
        for target in classify(route, world) or []:
            if target.kind != "superuser":
                urls.add(target.url)
    # Changelists with a search for the payload, and the owner's dashboard filtered to the event.
    urls.add(reverse("admin:index") + f"?tournament={world.tournaments['live'].pk}")
    for url in sorted(urls):
        _check(owner, url, problems, seen)
    for url in (reverse("admin:auth_user_changelist"), reverse("admin:index"),
                reverse("admin:tournaments_auditlog_changelist"), reverse("admin:tournaments_sanction_changelist")):
        _check(root, url, problems, seen)
    assert not problems, "\n".join(problems)
    # The payload was really on the pages that show people's text.
    must_show = [reverse("admin:tournaments_registration_changelist"), reverse("admin:tournaments_team_changelist"),
                 reverse("admin:tournaments_dispute_change", args=[world.objects_by_name("dispute").pk]),
                 reverse("admin:tournaments_announcement_changelist"),
                 reverse("admin_ui:tournament_command_center", args=[world.tournaments["live"].pk]),
                 reverse("admin:tournaments_registration_change", args=[world.objects_by_name("registration").pk]),
                 reverse("admin:tournaments_sanction_changelist"), reverse("admin:tournaments_season_changelist"),
                 reverse("admin:tournaments_tournamenttemplate_changelist"),
                 reverse("admin_ui:season_standings", args=[world.objects_by_name("season").pk]),
                 reverse("admin_ui:tournament_report", args=[world.tournaments["done"].pk]),
                 reverse("admin_ui:game_all_time", args=[world.game.pk])]
    assert not [u for u in must_show if u not in seen], [u for u in must_show if u not in seen]


def test_lobby_and_public_pages_escape_user_text(world):
    registration = world.objects_by_name("registration")
    participant, spectator = Client(), Client()
    token = lobby_access.issue_link(registration.pk, actor=None)
    assert participant.get(lobby_access.join_path(token)).status_code == 302
    sanctioned_join = lobby_access.join_path(lobby_access.issue_link(world.extra["sanctioned"].pk, actor=None))
    problems, seen, urls = [], set(), []
    for route in all_patterns():
        if route.namespace == "lobby" and route.name not in ("join", "join_for"):
            urls += lobby_urls(route, world) or []
    urls += [reverse("lobby:page", args=[t.slug]) for t in world.tournaments.values()]
    urls.append(reverse("certificate_verify", args=[world.objects_by_name("certificate").code]))
    for client in (participant, spectator):
        for url in urls:
            _check(client, url, problems, seen)
    sanctioned_seen = set()
    _check(Client(), sanctioned_join, problems, sanctioned_seen)  # the refusal page carries the sanction's reason
    assert not problems, "\n".join(problems)
    assert sanctioned_seen, "the sanction's reason was not on the refusal page"
    live = world.tournaments["live"].slug
    # The public list and sign-up page show tournament names; the season fragment the season's name.
    for url in (reverse("lobby:index"), reverse("lobby:signup", args=[world.tournaments["open"].slug]),
                reverse("lobby:fragment", args=[live, "season"])):
        assert url in seen, url
    for url in (reverse("lobby:page", args=[live]), reverse("lobby:fragment", args=[live, "roster"]),
                reverse("lobby:fragment", args=[live, "announcements"])):
        assert url in seen, url
