"""Seed an event-day database for bench/load.py (run in a subprocess with bench.load_settings).

Event A (registration open, approval required): ``participants`` solo entrants — half confirmed
(to be checked in by staff), half pending (to be approved by staff); every one gets a lobby link.
Event B (live): ``matches`` matches whose result one side has reported (staff confirm them).
Entrants come in through the registration import's bulk path and lobby links are written in bulk
(seconds for 1,000); tournaments, staff, matches and reported results go through the services. Prints one JSON line: the work list.
"""
import json
import sys
import time
from datetime import timedelta


def seed(participants: int, staff: int, matches: int) -> dict:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game, Registration
    from tournaments.roles import ORGANIZERS, ensure_role_groups
    from tournaments.services import matches as match_services
    from tournaments.services import setup
    from tournaments.services import tournaments as tournament_services

    stamp = str(int(time.time()))
    now = timezone.now()
    organizer = User.objects.create_user(f"load-org-{stamp}", password="load-pass", is_staff=True)
    organizer.groups.add(ensure_role_groups()[ORGANIZERS])
    game, _ = Game.objects.get_or_create(slug="load-game", defaults=dict(
        name="Load Game", team_size=1, max_substitutes=0, id_format="konami_id", result_type="map_score"))
    window = dict(registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=1),
                  check_in_opens_at=now - timedelta(hours=1), check_in_closes_at=now + timedelta(hours=6),
                  starts_at=now + timedelta(days=2))
    event = setup.create_tournament(actor=organizer, game=game, name=f"Load Cup {stamp}", slug=f"load-{stamp}",
                                    participation="solo", capacity=participants + 10, requires_approval=False, **window)
    event = tournament_services.open_registration(event.pk, actor=organizer)
    staff_users = []
    for i in range(staff):
        user = User.objects.create_user(f"load-staff-{stamp}-{i}", password="load-pass", is_staff=True)
        user.groups.add(ensure_role_groups()[ORGANIZERS])  # co-organizers hold the organizer role's permissions
        setup.add_staff(event.pk, actor=organizer, user=user, role="organizer")
        staff_users.append(user.username)
    # Entrants arrive the way a big event's list does: a spreadsheet import (the bulk path, with the
    # rules, states, history and audit of ``registrations.register``), not 1,000 single registrations
    # (that took 11 minutes on PostgreSQL). First half confirmed (to check in), then, with approval
    # required, the second half pending (to approve).
    half = (participants + 1) // 2
    _import(event, organizer, [(f"Load Player {i}", f"load{i}@example.com") for i in range(half)])
    setup.update_tournament(event.pk, actor=organizer, requires_approval=True, reason="load seed: approval from now on")
    _import(event, organizer, [(f"Load Player {i}", f"load{i}@example.com") for i in range(half, participants)])
    regs = list(Registration.objects.filter(tournament=event).order_by("pk"))
    to_check_in = [r.pk for r in regs if r.status == Registration.Status.CONFIRMED]
    to_approve = [r.pk for r in regs if r.status == Registration.Status.PENDING]
    assert len(to_check_in) == half and len(to_approve) == participants - half, (len(to_check_in), len(to_approve))
    tokens = _issue_links(regs, organizer)

    live = setup.create_tournament(actor=organizer, game=game, name=f"Load Live {stamp}", slug=f"load-live-{stamp}",
                                   participation="solo", capacity=2 * matches + 2, requires_approval=False, **window)
    live = tournament_services.open_registration(live.pk, actor=organizer)
    _import(live, organizer, [(f"Live {i}", f"live{i}@example.com") for i in range(2 * matches)])
    entrants = list(Registration.objects.filter(tournament=live).order_by("pk"))
    tournament_services.close_registration(live.pk, actor=organizer)
    live = tournament_services.start(live.pk, actor=organizer)
    for user in staff_users:
        setup.add_staff(live.pk, actor=organizer, user=User.objects.get(username=user), role="organizer")
    to_confirm = []
    for i in range(matches):
        a, b = entrants[2 * i], entrants[2 * i + 1]
        match = setup.create_match(live.pk, actor=organizer, key=f"L{i}", slot_a=a, slot_b=b,
                                   scheduled_at=now + timedelta(minutes=5 + i))
        match_services.submit_result(match.pk, actor=a, score_a=13, score_b=11)
        to_confirm.append(match.pk)
    return {"slug": event.slug, "tournament": event.pk, "tokens": tokens, "staff": staff_users,
            "password": "load-pass", "approve": to_approve, "check_in": to_check_in, "confirm": to_confirm}


def _import(tournament, actor, people):
    """Register ``people`` (name, email) through the registration import (all-or-nothing)."""
    from tournaments.imports.engine import import_file

    lines = ["display_name,email"] + [f"{name},{email}" for name, email in people]
    report = import_file(tournament, "registrations", "load.csv", "\n".join(lines).encode(), actor=actor)
    assert report.ok, report.error_texts()[:3]


def _issue_links(regs, actor) -> list[str]:
    """One private lobby link per entrant, as ``lobby_access.issue_link`` makes them (random token,
    stored only as its hash, history row "issued"), written in bulk. No mail: the seed keeps the raw
    tokens for the load generator instead."""
    import secrets

    from tournaments.models import LobbyAccess
    from tournaments.services.bulk_insert import insert_with_history
    from tournaments.services.lobby_access import TOKEN_BYTES, hash_token

    tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in regs]
    insert_with_history(LobbyAccess, [LobbyAccess(registration_id=r.pk, token_hash=hash_token(raw), created_by=None)
                                      for r, raw in zip(regs, tokens)], user=actor, reason="issued")
    return tokens


if __name__ == "__main__":
    import django

    django.setup()
    from django.db import transaction

    participants, staff, matches = (int(x) for x in sys.argv[1:4])
    with transaction.atomic():
        work = seed(participants, staff, matches)
    print("SEED " + json.dumps(work))
