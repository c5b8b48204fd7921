"""Choices in filters, forms and autocomplete only offer the user's own tournaments."""
import pytest
from django.urls import reverse

from tests.admin.action_support import changelist_url
from tests.factories import enter, make_tournament
from tournaments.models import Match, Registration
from tournaments.services import setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_events(organizer, other_organizer, game):
    mine = make_tournament(organizer, game, slug="mine", name="Alice Open")
    theirs = make_tournament(other_organizer, game, slug="theirs", name="Bob Invitational")
    return mine, theirs


def test_tournament_filter_lists_only_own_tournaments(client, organizer, two_events):
    client.force_login(organizer)
    for model in (Registration, Match):
        page = client.get(changelist_url(model)).content.decode()
        assert "Alice Open" in page and "Bob Invitational" not in page


def test_foreign_key_choices_are_tournaments_the_user_manages(client, organizer, other_organizer, two_events):
    mine, theirs = two_events
    client.force_login(organizer)
    response = client.get(reverse("admin:tournaments_registration_add"))
    assert list(response.context["adminform"].form.fields["tournament"].queryset) == [mine]
    setup.add_staff(mine.pk, actor=organizer, user=other_organizer, role="moderator")  # sees it, doesn't manage it
    client.force_login(other_organizer)
    response = client.get(reverse("admin:tournaments_match_add"))
    assert list(response.context["adminform"].form.fields["tournament"].queryset) == [theirs]


def test_registration_autocomplete_offers_only_manageable_entrants(client, organizer, other_organizer, two_events):
    mine, theirs = two_events
    own = enter(mine, 2)
    enter(theirs, 2)
    client.force_login(other_organizer)
    url = reverse("admin:autocomplete") + "?app_label=tournaments&model_name=match&field_name=slot_a&term="
    response = client.get(url)
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids and not ids & {r.pk for r in own}
    assert ids == set(Registration.objects.filter(tournament=theirs).values_list("pk", flat=True))


def test_list_filters(client, organizer, two_events, game):
    from django.utils import timezone

    from tournaments.services import checkin

    mine, theirs = two_events
    other = make_tournament(organizer, game, slug="mine-2", name="Alice Cup 2")
    a, b = enter(mine, 2)
    enter(other, 1)
    checkin.check_in(a.pk, actor=organizer)
    client.force_login(organizer)
    url = changelist_url(Registration)

    def listed(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return {r.pk for r in response.context["cl"].result_list}

    assert listed(f"?tournament={mine.pk}") == {a.pk, b.pk}
    assert listed(f"?tournament={mine.pk}&checked_in=yes") == {a.pk}
    assert listed(f"?tournament={mine.pk}&checked_in=no") == {b.pk}
    assert listed(f"?tournament={theirs.pk}") == set()  # not theirs to filter by
    assert listed(f"?game={game.pk}&status__exact=confirmed") == set(Registration.objects.filter(
        tournament__organizer=organizer).values_list("pk", flat=True))
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert len(listed(f"?created_at_from={today}&created_at_to={today}")) == 3


def test_organizers_cannot_pick_another_organizer(client, organizer, admin_user):
    client.force_login(organizer)
    page = client.get(reverse("admin:tournaments_tournament_add")).content.decode()
    assert 'name="organizer"' not in page
    client.force_login(admin_user)
    page = client.get(reverse("admin:tournaments_tournament_add")).content.decode()
    assert 'name="organizer"' in page
