"""Dashboard and per-tournament Command Center: right numbers, scoped, fixed query count."""
import pytest
from django.urls import reverse

from tests.factories import enter, make_tournament
from tests.support.queries import query_count
from tournaments import selectors
from tournaments.services import payments

pytestmark = pytest.mark.django_db


def test_dashboard_counts_and_attention_tables(client, organizer, other_organizer, game):
    mine = make_tournament(organizer, game, requires_approval=True, slug="mine")
    theirs = make_tournament(other_organizer, game, requires_approval=True, slug="theirs")
    enter(mine, 3)
    enter(theirs, 5)
    counts = selectors.attention_counts(organizer)
    assert counts["pending"] == 3
    client.force_login(organizer)
    response = client.get(reverse("admin:index"))
    body = response.content.decode()
    assert "Registrations to review" in body and "Player" in body
    assert [t["pk"] for t in response.context["tournament_choices"]] == [mine.pk]
    assert [s["value"] for s in response.context["stats"]][0] == 3


def test_dashboard_filter_by_tournament_ignores_foreign_ids(client, organizer, other_organizer, game):
    mine = make_tournament(organizer, game, requires_approval=True, slug="mine")
    theirs = make_tournament(other_organizer, game, requires_approval=True, slug="theirs")
    enter(theirs, 2)
    client.force_login(organizer)
    response = client.get(reverse("admin:index") + f"?tournament={theirs.pk}")
    assert response.context["selected_tournament"] is None
    assert response.context["stats"][0]["value"] == 0
    response = client.get(reverse("admin:index") + f"?tournament={mine.pk}")
    assert response.context["selected_tournament"] == mine


def test_dashboard_query_count_does_not_grow_with_rows(client, organizer, game, paid_tournament):
    client.force_login(organizer)
    regs = enter(paid_tournament, 2)
    for i, reg in enumerate(regs):
        payments.submit(reg.pk, actor=reg, method="bkash", amount="500", reference=f"A{i}")
    few = query_count(client, reverse("admin:index"))
    regs = enter(paid_tournament, 30)
    for i, reg in enumerate(regs):
        payments.submit(reg.pk, actor=reg, method="bkash", amount="500", reference=f"B{i}")
    assert query_count(client, reverse("admin:index")) == few


@pytest.mark.parametrize("tab", ["overview", "registrations", "checkin", "matches", "disputes", "announcements"])
def test_tournament_page_and_fragments(client, organizer, tournament, tab):
    enter(tournament, 3)
    client.force_login(organizer)
    page = client.get(reverse("admin_ui:tournament_command_center", args=[tournament.pk]) + f"?tab={tab}")
    assert page.status_code == 200
    assert b'hx-trigger="every 5s"' in page.content
    fragment = client.get(reverse("admin_ui:tournament_fragment", args=[tournament.pk, tab]))
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content  # a fragment, not a page


def test_tournament_page_fragment_query_count_is_fixed(client, organizer, tournament):
    client.force_login(organizer)
    url = reverse("admin_ui:tournament_fragment", args=[tournament.pk, "registrations"])
    enter(tournament, 2)
    few = query_count(client, url)
    enter(tournament, 6)  # fills capacity and waitlists the rest
    assert query_count(client, url) == few


def test_tournament_page_is_404_for_other_organizer(client, other_organizer, tournament):
    client.force_login(other_organizer)
    assert client.get(reverse("admin_ui:tournament_command_center", args=[tournament.pk])).status_code == 404
    assert client.get(reverse("admin_ui:tournament_fragment", args=[tournament.pk, "overview"])).status_code == 404


def test_tournament_page_requires_login(client, tournament):
    response = client.get(reverse("admin_ui:tournament_command_center", args=[tournament.pk]))
    assert response.status_code == 302 and "/login/" in response.url


def test_tournament_page_offers_only_what_the_role_may_open(client, organizer, moderator, tournament):
    from tournaments.services import setup

    setup.add_staff(tournament.pk, actor=organizer, user=moderator, role="moderator")
    url = reverse("admin_ui:tournament_command_center", args=[tournament.pk])
    imports = reverse("admin_ui:tournament_imports", args=[tournament.pk])
    prizes = reverse("admin_ui:tournament_prizes", args=[tournament.pk])
    client.force_login(organizer)
    body = client.get(url).content.decode()
    assert imports in body and prizes in body
    client.force_login(moderator)
    body = client.get(url).content.decode()
    assert imports not in body and prizes not in body
    assert reverse("admin_ui:tournament_export", args=[tournament.pk, "results", "csv"]) in body
    assert client.get(reverse("admin_ui:tournament_export", args=[tournament.pk, "results", "csv"])).status_code == 200


def test_tournament_list_links_each_event_to_its_command_center(client, organizer, tournament):
    client.force_login(organizer)
    body = client.get(reverse("admin:tournaments_tournament_changelist")).content.decode()
    assert reverse("admin_ui:tournament_command_center", args=[tournament.pk]) in body


def test_tournament_page_links_to_its_public_pages(client, organizer, tournament):
    """Organizers reach the public sign-up page and the spectator lobby they share with players."""
    from tournaments.models import Tournament

    client.force_login(organizer)
    url = reverse("admin_ui:tournament_command_center", args=[tournament.pk])
    signup, lobby = reverse("lobby:signup", args=[tournament.slug]), reverse("lobby:page", args=[tournament.slug])
    assert tournament.status == Tournament.Status.REGISTRATION_OPEN
    body = client.get(url).content.decode()
    assert signup in body and lobby in body
    assert client.get(signup).status_code == 200 and client.get(lobby).status_code == 200
    Tournament.objects.filter(pk=tournament.pk).update(status=Tournament.Status.LIVE)  # set-up only: states move by services
    body = client.get(url).content.decode()
    assert signup not in body and lobby in body
    Tournament.objects.filter(pk=tournament.pk).update(status=Tournament.Status.DRAFT)
    body = client.get(url).content.decode()
    assert signup not in body and lobby not in body


def test_sidebar_links_to_the_public_tournament_list(client, organizer):
    client.force_login(organizer)
    assert f'href="{reverse("lobby:index")}"' in client.get(reverse("admin:index")).content.decode()
