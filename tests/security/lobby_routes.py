"""Every lobby route filled in for organizer A's live event (same idea as routes.py: unknown → fail)."""
from django.urls import reverse

from tournaments.lobby.views import FRAGMENTS


def lobby_urls(route, world, token="not-a-real-token"):
    """URLs for one lobby pattern, or None when the suite does not know it."""
    live = world.tournaments["live"]
    match = world.objects_by_name("match")
    slug = live.slug
    name = f"lobby:{route.name}"
    table = {
        "index": lambda: [reverse(name), reverse(name) + "?game=shared-game"],
        "signup": lambda: [reverse(name, args=[world.tournaments["open"].slug])],
        "signup_done": lambda: [reverse(name, args=[world.tournaments["open"].slug])],
        "join": lambda: [reverse(name, args=[token])],
        "join_for": lambda: [reverse(name, args=[slug, token])],
        "page": lambda: [reverse(name, args=[slug])],
        "fragment": lambda: [reverse(name, args=[slug, f]) for f in FRAGMENTS],
        "bracket": lambda: [reverse(name, args=[slug])],
        "leave": lambda: [reverse(name, args=[slug])],
        "check_in": lambda: [reverse(name, args=[slug])],
        "withdraw": lambda: [reverse(name, args=[slug])],
        "pay": lambda: [reverse(name, args=[world.tournaments["paid"].slug])],
        "read_notifications": lambda: [reverse(name, args=[slug])],
        "report": lambda: [reverse(name, args=[slug, match.pk])],
        "confirm": lambda: [reverse(name, args=[slug, match.pk])],
        "dispute": lambda: [reverse(name, args=[slug, match.pk])],
        "forfeit": lambda: [reverse(name, args=[slug, match.pk])],
    }
    build = table.get(route.name)
    return build() if build else None
