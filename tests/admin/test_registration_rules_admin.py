"""Registration rules in the Command Center: waitlist order, explained lifecycle refusals, top-N waivers,
templates (save, list, create from), readable configuration versions, payment-method boxes."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.admin.action_support import (
    action_url, change_page, change_url, changelist_url, messages_of, offered, post, refused,
)
from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Registration, Tournament, TournamentTemplate
from tournaments.services import records, setup, templates

pytestmark = pytest.mark.django_db
S = Registration.Status


def _positions(tournament):
    return list(Registration.objects.filter(tournament=tournament, status=S.WAITLISTED)
                .order_by("waitlist_position").values_list("pk", flat=True))


# ---- waitlist -------------------------------------------------------------------------------------------------

def test_organizer_sets_a_waitlist_position(client, organizer, tournament):
    regs = enter(tournament, 11)
    a, b, c = regs[8:]
    client.force_login(organizer)
    assert offered(client, c, "waitlist_move") and offered(client, c, "waitlist_up")
    assert not offered(client, regs[0], "waitlist_move")  # confirmed: no waitlist actions
    assert not offered(client, a, "waitlist_up")  # already first
    response = client.get(action_url(c, "waitlist_move"))
    assert response.status_code == 200 and 'name="position"' in response.content.decode()
    response = post(client, c, "waitlist_move", {"position": "1"})
    assert response.status_code == 302
    assert _positions(tournament) == [c.pk, a.pk, b.pk]
    assert "is number 1 on the waitlist" in messages_of(response, messages.SUCCESS)[0]
    refused(client, c, "waitlist_move", {"position": "7"}, contains="Choose a position from 1 to 3")
    post(client, c, "waitlist_down")
    assert _positions(tournament) == [a.pk, c.pk, b.pk]
    post(client, b, "waitlist_up")
    assert _positions(tournament) == [a.pk, b.pk, c.pk]


def test_waitlist_actions_are_scoped(client, other_organizer, tournament):
    regs = enter(tournament, 10)
    client.force_login(other_organizer)
    assert client.get(action_url(regs[9], "waitlist_move")).status_code == 404
    assert client.post(action_url(regs[9], "waitlist_move"), {"position": "1"}).status_code == 404
    assert Registration.objects.get(pk=regs[9].pk).waitlist_position == 2


def test_registration_list_shows_positions_with_fixed_queries(client, organizer, tournament):
    client.force_login(organizer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(changelist_url(Registration) + f"?tournament__id__exact={tournament.pk}")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    enter(tournament, 10)
    few, _body = count()
    enter(tournament, 30)
    many, body = count()
    assert few == many
    assert action_url(Registration.objects.get(tournament=tournament, waitlist_position=2), "waitlist_up") in body


# ---- lifecycle: the reason is on the page ----------------------------------------------------------------------

def test_publish_page_explains_what_is_missing(client, organizer, game):
    draft = make_tournament(organizer, game, slug="broken", open_registration=False)
    Tournament.objects.filter(pk=draft.pk).update(prize_distribution={"1": 60})
    client.force_login(organizer)
    assert offered(client, draft, "publish")  # shown, so the organizer can read why it is refused
    page = client.get(action_url(draft, "publish")).content.decode()
    assert "“Weekly Cup” cannot be published yet: Fix the configuration first:" in page
    assert "Prize shares must add up to 100% (they add up to 60%)." in page
    refused(client, draft, "publish", contains="Fix the configuration first")


def test_start_page_explains_missing_entrants(client, organizer, tournament):
    client.force_login(organizer)
    page = client.get(action_url(tournament, "start")).content.decode()
    assert "needs at least 2 confirmed entrants to start; it has 0" in page
    refused(client, tournament, "start", contains="needs at least 2 confirmed entrants")


# ---- fees --------------------------------------------------------------------------------------------------------

def test_waive_top_n_from_the_tournament_page(client, organizer, paid_tournament):
    regs = enter(paid_tournament, 4)
    for seed, reg in zip([2, 1, 3, 4], regs):
        reg.seed = seed
        records.edit_details(reg, actor=organizer, fields=["seed"])
    client.force_login(organizer)
    assert offered(client, paid_tournament, "waive_top_n")
    page = client.get(action_url(paid_tournament, "waive_top_n")).content.decode()
    assert "Registration seed order" in page and "Final placements of an earlier tournament" in page
    response = post(client, paid_tournament, "waive_top_n", {"n": "2", "source": "seed", "reason": ""})
    assert response.status_code == 302
    assert set(Registration.objects.filter(fee_waived=True).values_list("pk", flat=True)) == {regs[0].pk, regs[1].pk}
    assert "Fee waived for" in messages_of(response, messages.SUCCESS)[0]
    response = post(client, paid_tournament, "waive_top_n", {"n": "2", "source": "placements"})
    assert "Choose the earlier tournament" in response.content.decode()  # the form says it, nothing changes
    assert Registration.objects.filter(fee_waived=True).count() == 2


def test_payment_methods_are_boxes_to_tick(client, organizer, paid_tournament):
    client.force_login(organizer)
    page = change_page(client, paid_tournament)
    for method in ("bkash", "nagad", "rocket", "bank_transfer", "card", "cash"):
        assert f'name="payment_methods" value="{method}"' in page
    import re

    ticked = set(re.findall(r'<input type="checkbox" name="payment_methods" value="(\w+)"[^>]*id="id_payment_methods_\d+" checked', page))
    assert ticked == {"bkash", "nagad"}


# ---- templates ---------------------------------------------------------------------------------------------------

def test_save_as_template_then_create_a_tournament_from_it(client, organizer, tournament):
    client.force_login(organizer)
    response = post(client, tournament, "save_template", {"name": "Weekly format", "shared": ""})
    assert response.status_code == 302 and "Template “Weekly format” saved." in messages_of(response, messages.SUCCESS)
    template = TournamentTemplate.objects.get(name="Weekly format")
    assert template.owner == organizer and not template.shared

    page = change_page(client, template)
    assert 'data-testid="template-configuration"' in page and "before the start" in page
    assert action_url(template, "create_tournament") in page
    starts = timezone.localtime(timezone.now() + timedelta(days=14), timezone.get_fixed_timezone(0))
    response = post(client, template, "create_tournament", {"name": "Weekly #2", "slug": "weekly-2",
                                                            "starts_at_0": starts.strftime("%Y-%m-%d"), "starts_at_1": "18:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Tournament.objects.get(slug="weekly-2")
    assert made.organizer == organizer and made.status == Tournament.Status.DRAFT
    assert timezone.localtime(made.starts_at, timezone.get_fixed_timezone(0)).strftime("%H:%M") == "18:00"
    assert made.registration_closes_at - made.starts_at == tournament.registration_closes_at - tournament.starts_at
    assert reverse("admin:tournaments_tournament_change", args=[made.pk]) in messages_of(response, messages.SUCCESS)[0]
    refused_slug = post(client, template, "create_tournament", {"name": "Again", "slug": "weekly-2",
                                                                "starts_at_0": starts.strftime("%Y-%m-%d"), "starts_at_1": "18:00"})
    assert "is taken" in refused_slug.content.decode() or any("is taken" in m for m in messages_of(refused_slug))


def test_template_list_is_scoped_and_sharing_is_the_owners(client, organizer, other_organizer, tournament, game):
    private = templates.save_as_template(tournament.pk, actor=organizer, name="Alice private")
    shared = templates.save_as_template(tournament.pk, actor=organizer, name="Alice shared", shared=True)
    bobs_event = make_tournament(other_organizer, game, slug="bobs")
    bobs = templates.save_as_template(bobs_event.pk, actor=other_organizer, name="Bob private")
    client.force_login(other_organizer)
    page = client.get(changelist_url(TournamentTemplate)).content.decode()
    assert "Alice shared" in page and "Bob private" in page and "Alice private" not in page
    assert client.get(change_url(private)).status_code in (302, 404)
    assert client.get(action_url(private, "create_tournament")).status_code == 404
    # a shared template is usable but not editable by others
    assert client.get(action_url(shared, "create_tournament")).status_code == 200
    client.post(change_url(shared), {"name": "Hijacked", "shared": ""})
    assert TournamentTemplate.objects.get(pk=shared.pk).name == "Alice shared"
    assert client.post(reverse("admin:tournaments_tournamenttemplate_delete", args=[shared.pk]), {"post": "yes"}).status_code == 403
    # the owner renames and unshares through the service (audited)
    client.force_login(organizer)
    client.post(change_url(shared), {"name": "Alice renamed", "shared": ""})
    assert TournamentTemplate.objects.filter(pk=shared.pk, name="Alice renamed", shared=False).exists()
    assert AuditLog.objects.filter(action="template.update", target_id=str(shared.pk)).exists()
    assert TournamentTemplate.objects.filter(pk=bobs.pk).exists()


def test_template_list_query_count_is_fixed(client, organizer, tournament):
    client.force_login(organizer)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(changelist_url(TournamentTemplate)).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        templates.save_as_template(tournament.pk, actor=organizer, name=f"T{i}")
    few = count()
    for i in range(3, 25):
        templates.save_as_template(tournament.pk, actor=organizer, name=f"T{i}", shared=bool(i % 2))
    assert count() == few


# ---- versions ------------------------------------------------------------------------------------------------------

def test_versions_show_a_readable_diff(client, organizer, tournament):
    setup.update_tournament(tournament.pk, actor=organizer, capacity=16, entry_fee=Decimal("100"), payment_methods=["cash"],
                            reason="Bigger, paid")
    client.force_login(organizer)
    page = change_page(client, tournament)
    assert 'data-testid="configuration-history"' in page
    assert "capacity: 8 → 16" in page and "entry fee: 0.00 → 100.00" in page and "payment methods: — → cash" in page
    restore = client.get(action_url(tournament, "restore_version")).content.decode()
    assert "restoring it sets: capacity: 16 → 8" in restore
