"""Seed an event-day database for bench/load.py (run in a subprocess with bench.load_settings).

Event A (registration open, approval required): ``participants`` solo entrants — half confirmed
(to be checked in by staff), half pending (to be approved by staff); every one gets a lobby link.
Event B (live): ``matches`` matches whose result one side has reported (staff confirm them).
Everything goes through the services, as in real use. Prints one JSON line: the work list.
"""
import json
import sys
import time
from datetime import timedelta


def seed(participants: int, staff: int, matches: int) -> dict:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from tournaments.models import Game
    from tournaments.roles import ORGANIZERS, ensure_role_groups
    from tournaments.services import lobby_access
    from tournaments.services import matches as match_services
    from tournaments.services import registrations, setup
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
                                    participation="solo", capacity=participants + 10, requires_approval=True, **window)
    event = tournament_services.open_registration(event.pk, actor=organizer)
    staff_users = []
    for i in range(staff):
        user = User.objects.create_user(f"load-staff-{stamp}-{i}", password="load-pass", is_staff=True)
        user.groups.add(ensure_role_groups()[ORGANIZERS])  # co-organizers hold the organizer role's permissions
        setup.add_staff(event.pk, actor=organizer, user=user, role="organizer")
        staff_users.append(user.username)
    regs = []
    for i in range(participants):
        player = setup.create_player(actor=None, display_name=f"Load Player {i}", email=f"load{i}@example.com")
        regs.append(registrations.register(event, player=player, actor=organizer))
    to_check_in = [r.pk for r in regs[::2]]
    for pk in to_check_in:
        registrations.approve(pk, actor=organizer)
    to_approve = [r.pk for r in regs[1::2]]
    tokens = [lobby_access.issue_link(r.pk, actor=None) for r in regs]

    live = setup.create_tournament(actor=organizer, game=game, name=f"Load Live {stamp}", slug=f"load-live-{stamp}",
                                   participation="solo", capacity=2 * matches + 2, requires_approval=False, **window)
    live = tournament_services.open_registration(live.pk, actor=organizer)
    entrants = [registrations.register(live, player=setup.create_player(actor=None, display_name=f"Live {i}"),
                                       actor=organizer) for i in range(2 * matches)]
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


if __name__ == "__main__":
    import django

    django.setup()
    from django.db import transaction

    participants, staff, matches = (int(x) for x in sys.argv[1:4])
    with transaction.atomic():
        work = seed(participants, staff, matches)
    print("SEED " + json.dumps(work))
