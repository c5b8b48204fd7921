"""List filters that respect scope: an organizer's tournament and game choices are only their own.

Each filter costs one small query per page whatever the number of rows.
"""
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter, RangeDateFilter
from unfold.utils import parse_date_str

from tournaments import permissions
from tournaments.models import Game


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _PathFilter(DropdownFilter):
    path = "tournament"  # from the listed model to its tournament


class _TournamentFilter(_PathFilter):
    title = _("tournament")
    parameter_name = "tournament"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in
                permissions.tournaments_for(request.user).order_by("-starts_at", "pk").values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() in (None, ""):
            return queryset
        return queryset.filter(**{f"{self.path}_id": _int_or_none(self.value())})


class _GameFilter(_PathFilter):
    title = _("game")
    parameter_name = "game"

    def lookups(self, request, model_admin):
        scope = permissions.tournaments_for(request.user).values("game_id")
        return [(str(pk), name) for pk, name in Game.objects.filter(pk__in=scope).values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() in (None, ""):
            return queryset
        prefix = f"{self.path}__" if self.path else ""
        return queryset.filter(**{f"{prefix}game_id": _int_or_none(self.value())})


def tournament_filter(path="tournament"):
    """A tournament dropdown listing only the user's tournaments; ``path`` leads to the tournament."""
    return type("TournamentFilter", (_TournamentFilter,), {"path": path})


def game_filter(path="tournament"):
    """Games of the user's tournaments; ``path`` leads to the tournament (None: the row is one)."""
    return type("GameFilter", (_GameFilter,), {"path": path})


class CheckedInFilter(DropdownFilter):
    title = _("checked in")
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(checked_in_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(checked_in_at__isnull=True)
        return queryset


class DayRangeFilter(RangeDateFilter):
    """Date range on a datetime field, inclusive of both days (unfold's compares with midnight)."""

    def queryset(self, request, queryset):
        filters = {}
        for suffix, lookup in (("_from", "gte"), ("_to", "lte")):
            raw = self.used_parameters.get(f"{self.parameter_name}{suffix}")
            day = parse_date_str(raw) if isinstance(raw, str) and raw else None
            if day is not None:
                filters[f"{self.parameter_name}__date__{lookup}"] = day
        return queryset.filter(**filters)
