"""Bracket page, generation form and seed editor in the Command Center."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import enter, make_tournament
from tournaments.models import AuditLog, Registration, Stage
from tournaments.services import brackets, matches
from tournaments.services import tournaments as tournament_services

pytestmark = pytest.mark.django_db


def _event(organizer, game, n, fmt="single_elimination", slug=None):
    t = make_tournament(organizer, game, capacity=n, slug=slug or f"b-{fmt}-{n}", format=fmt)
    enter(t, n)
    tournament_services.close_registration(t.pk, actor=organizer)
    return t


def _form(fmt="single_elimination", **extra):
    data = {"stage_format": fmt, "seeding": "manual", "best_of": 1, "grand_final": "reset", "groups": 1, "reason": "",
            "advance_per_group": 2, "playoff": "single_elimination"}
    data.update(extra)
    return data


def test_generate_through_the_form_then_see_the_bracket(client, organizer, game):
    t = _event(organizer, game, 6)
    client.force_login(organizer)
    url = reverse("admin_ui:tournament_generate", args=[t.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(third_place="on"))
    assert response.status_code == 302
    stage = Stage.objects.get(tournament=t)
    assert stage.options["third_place"] is True
    page = client.get(reverse("admin_ui:tournament_bracket", args=[t.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-key="WB1.1"' in body and 'data-key="3RD"' in body and "BYE" in body


def test_bad_options_show_a_message_and_write_nothing(client, organizer, game):
    t = _event(organizer, game, 4)
    client.force_login(organizer)
    response = client.post(reverse("admin_ui:tournament_generate", args=[t.pk]), _form(best_of=2))
    assert response.status_code == 200 and "odd number" in response.content.decode()
    assert not Stage.objects.filter(tournament=t).exists()


def test_regenerating_a_started_bracket_needs_force_and_reason(client, organizer, game):
    t = _event(organizer, game, 4)
    stage = brackets.generate(t.pk, actor=organizer)
    matches.override_score(stage.matches.get(key="WB1.1").pk, actor=organizer, score_a=1, score_b=0, reason="sim")
    client.force_login(organizer)
    url = reverse("admin_ui:tournament_generate", args=[t.pk])
    response = client.post(url, _form(), follow=True)
    assert "have started" in response.content.decode()
    response = client.post(url, _form(force="on", reason="Seeding error"), follow=True)
    assert "Generated" in response.content.decode()
    assert AuditLog.objects.filter(action="bracket.regenerate", reason="Seeding error").exists()


def test_seed_editor_preview_does_not_save_and_save_does(client, organizer, game):
    t = _event(organizer, game, 4)
    regs = list(Registration.objects.filter(tournament=t).order_by("id"))
    client.force_login(organizer)
    url = reverse("admin_ui:tournament_seeds", args=[t.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count('name="seed"') == 4
    order = [r.pk for r in reversed(regs)]
    response = client.post(url, {"seed": order, "preview": "1"})
    assert response.status_code == 200 and 'data-testid="seed-preview"' in response.content.decode()
    assert set(Registration.objects.filter(tournament=t).values_list("seed", flat=True)) == {None}
    response = client.post(url, {"seed": order})
    assert response.status_code == 302
    assert [r.pk for r in Registration.objects.filter(tournament=t).order_by("seed")] == order


def test_seed_editor_rejects_a_tampered_list(client, organizer, game):
    t = _event(organizer, game, 4)
    client.force_login(organizer)
    regs = list(Registration.objects.filter(tournament=t).values_list("pk", flat=True))
    response = client.post(reverse("admin_ui:tournament_seeds", args=[t.pk]), {"seed": regs[:3]}, follow=True)
    assert "leaves out" in response.content.decode()
    response = client.post(reverse("admin_ui:tournament_seeds", args=[t.pk]), {"seed": ["x"]}, follow=True)
    assert "damaged" in response.content.decode()


def test_standings_show_the_deciding_rule(client, organizer, game):
    t = _event(organizer, game, 4, fmt="round_robin")
    stage = brackets.generate(t.pk, actor=organizer)
    m = stage.matches.order_by("id").first()
    matches.override_score(m.pk, actor=organizer, score_a=2, score_b=0, reason="sim")
    client.force_login(organizer)
    body = client.get(reverse("admin_ui:tournament_bracket", args=[t.pk])).content.decode()
    assert 'data-testid="standings"' in body and "Decided by" in body


def test_other_organizer_gets_404_everywhere(client, organizer, other_organizer, game):
    t = _event(organizer, game, 4)
    client.force_login(other_organizer)
    for name in ("tournament_bracket", "tournament_generate", "tournament_seeds"):
        assert client.get(reverse(f"admin_ui:{name}", args=[t.pk])).status_code == 404
    assert client.post(reverse("admin_ui:tournament_generate", args=[t.pk]), _form()).status_code == 404
    assert not Stage.objects.exists()


def test_moderator_sees_bracket_but_cannot_generate(client, organizer, moderator, game):
    from tournaments.services import setup

    t = _event(organizer, game, 4)
    setup.add_staff(t.pk, actor=organizer, user=moderator, role="moderator")
    client.force_login(moderator)
    assert client.get(reverse("admin_ui:tournament_bracket", args=[t.pk])).status_code == 200
    assert client.get(reverse("admin_ui:tournament_generate", args=[t.pk])).status_code == 404


def test_bracket_page_queries_do_not_grow_and_256_renders(client, organizer, game):
    client.force_login(organizer)
    counts = []
    for n, slug in ((8, "small"), (256, "large")):
        t = _event(organizer, game, n, fmt="double_elimination", slug=slug)
        brackets.generate(t.pk, actor=organizer)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("admin_ui:tournament_bracket", args=[t.pk]))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert response.content.decode().count('class="cc-match"') == 255 + 254 + 2  # WB + LB + GF1 + GF2 (reset)
