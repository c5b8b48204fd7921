"""Every URL the project serves, and how to fill in its parameters with organizer A's objects.

``all_patterns()`` walks the real URL resolver, so a route added later shows up here by itself.
``classify()`` turns each pattern into concrete URLs (or says it does not know how: the suite then
fails, naming the pattern, so nobody adds an unchecked route silently).

Kinds:
- ``list``: pages without an object (changelists, add forms, Jobs page, scoped exports): another
  organizer may open them but must never see A's data;
- ``object``: pages/actions of one of A's objects: another organizer gets 302/403/404/405, never data;
- ``superuser``: pages only a superuser may open (RQ internals, users, groups);
- ``public`` / ``site``: not organizer-scoped (lobby, health, login…), covered by the other suites.
"""
import re
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    route: str          # the pattern as written (for messages)
    namespace: str | None
    name: str | None


@dataclass
class Target:
    url: str
    kind: str           # list | object | superuser
    label: str


def all_patterns():
    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace if p.namespace is None else ":".join(filter(None, [namespace, p.namespace]))
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield Route(prefix + str(p.pattern), namespace, p.name)
    return list(walk(get_resolver().url_patterns))


# Site-level admin views: not about one organizer's rows (the index and search are checked as lists).
ADMIN_SITE_LIST = {"index", "search"}
ADMIN_SITE_OTHER = {"login", "logout", "password_change", "password_change_done", "jsi18n", "view_on_site",
                    "app_list", "autocomplete"}  # autocomplete: checked field by field in its own test
PUBLIC_ROOT = {"healthz", "readiness", "certificate_verify", None}
# /metrics: any staff login (or the bearer token) may read it. It carries only aggregates labelled by
# route *template*, job function and queue (no tournament, user or slug), so organizer B reading it
# is acceptable: it is checked as a "list" page (never A's data in it).
STAFF_ROOT = {"metrics"}
SUPERUSER_MODELS = {"auth.user", "auth.group", "django_rq.dashboard"}


def _registered():
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def _history_id(obj):
    if not hasattr(obj, "history"):
        return 1  # no history kept: the page must still refuse (or be empty)
    return obj.history.order_by("-history_id").values_list("history_id", flat=True).first()


def classify(route: Route, world) -> list[Target] | None:
    """Concrete URLs for one pattern, [] for patterns other suites cover, None when unknown."""
    if route.namespace == "lobby" or (route.namespace is None and route.name in PUBLIC_ROOT):
        return []
    if route.namespace is None and route.name in STAFF_ROOT:
        return [Target(reverse(route.name), "list", route.name)]
    if route.namespace == "django_rq":  # /admin/rq/…: RQ's own pages show every organizer's jobs
        return [Target(_fill_rq(route.route, "/"), "superuser", route.route)]
    if route.namespace == "admin_ui":
        return _command_center(route, world)
    if route.namespace != "admin":
        return None
    if route.name in ADMIN_SITE_LIST:
        return [Target(reverse(f"admin:{route.name}"), "list", route.name)]
    if route.name in ADMIN_SITE_OTHER or route.route == "admin/(?P<url>.*)$":
        return []
    if route.name and route.name.startswith("django_rq_"):
        return [Target(_fill_rq(route.route, ""), "superuser", route.name)]
    return _model_admin(route, world)


def _model_admin(route, world):
    models = _registered()
    prefix = next((key for key in sorted(models, key=len, reverse=True)
                   if route.name and route.name.startswith(key + "_")), None)
    if prefix is None and route.name is None:  # ModelAdmin's "<path:object_id>/" → change redirect
        m = re.fullmatch(r"admin/(\w+)/(\w+)/<path:object_id>/", route.route)
        prefix = m and f"{m.group(1)}_{m.group(2)}"
        if prefix in models:
            return _object_targets(models[prefix], world, lambda pk: f"/admin/{m.group(1)}/{m.group(2)}/{pk}/",
                                   route.route)
        return None
    if prefix is None:
        return None
    model, suffix = models[prefix], route.name[len(prefix) + 1:]
    label = f"{model._meta.app_label}.{model._meta.model_name}"
    kind_list = "superuser" if label in SUPERUSER_MODELS else "list"
    if suffix in ("changelist", "add"):
        return [Target(reverse(f"admin:{route.name}"), kind_list, route.name)]
    if suffix == "simple_history":
        obj = _owned(model, world)
        if obj is None:
            return None
        return [Target(reverse(f"admin:{route.name}", args=[obj.pk, _history_id(obj)]), _kind(model, label), route.name)]
    if suffix in ("change", "history", "delete", "download", "password_change") or suffix.startswith("action_"):
        return _object_targets(model, world, lambda pk: reverse(f"admin:{route.name}", args=[pk]), route.name)
    return None


def _kind(model, label):
    return "superuser" if label in SUPERUSER_MODELS else ("list" if model in GLOBAL_MODELS else "object")


def _object_targets(model, world, url_for, label_text):
    obj = _owned(model, world)
    if obj is None:
        return None
    label = f"{model._meta.app_label}.{model._meta.model_name}"
    return [Target(url_for(obj.pk), _kind(model, label), label_text)]


GLOBAL_MODELS = {}  # filled lazily: models shared by every organizer (their pages are "list" pages)


def _owned(model, world):
    from tournaments.models import Game

    GLOBAL_MODELS.setdefault(Game, lambda w: w.game)
    GLOBAL_MODELS.setdefault(Group, lambda w: Group.objects.order_by("pk").first())
    if model in world.objects:
        return world.objects[model]
    if model in GLOBAL_MODELS:
        return GLOBAL_MODELS[model](world)
    if model._meta.label_lower == "django_rq.dashboard":
        return type("Queue", (), {"pk": 1})()
    return None


def _fill_rq(route, root):
    """RQ's pages take queue indexes, job ids and names: any value will do (they must be refused)."""
    url = route.replace("^", "").replace("/?$", "/").replace("$", "")
    url = re.sub(r"\(\?P<token>[^)]*\)\?", "tok", url)
    url = re.sub(r"<int:\w+>", "0", url)
    url = re.sub(r"<(str|path):\w+>", "x", url)
    return "/" + url if not url.startswith("/") else url


def _command_center(route, world):
    """Per-tournament Command Center pages. Add a new route here (with A's objects) when you add one."""
    from admin_ui.views import TAB_KEYS
    from tournaments.imports.exports import FORMATS, KINDS

    t, job = world.tournaments, world.extra["import_job"]
    name = f"admin_ui:{route.name}"

    season = world.objects_by_name("season")

    def obj(*args):
        return Target(reverse(name, args=args), "object", route.name)

    def obj_q(pk, query):
        return Target(reverse(name, args=[pk]) + "?" + query, "object", route.name)

    table = {
        "tournament_command_center": lambda: [obj(t["live"].pk)],
        "tournament_fragment": lambda: [obj(t["live"].pk, tab) for tab in sorted(TAB_KEYS)],
        "lobby_results": lambda: [obj(t["br"].pk, world.extra["br_lobby"].pk)],
        "tournament_bracket": lambda: [obj(t["live"].pk), obj(t["br"].pk)],
        "tournament_generate": lambda: [obj(t["live"].pk)],
        "tournament_seeds": lambda: [obj(t["live"].pk)],
        "tournament_imports": lambda: [obj(t["open"].pk)],
        "import_detail": lambda: [obj(t["open"].pk, job.pk)],
        "import_confirm": lambda: [obj(t["open"].pk, job.pk)],
        "import_progress": lambda: [obj(t["open"].pk, job.pk)],
        "tournament_export": lambda: [obj(tt.pk, kind, fmt) for tt in (t["live"], t["done"]) for kind in KINDS
                                      for fmt in FORMATS],
        "scoped_export": lambda: [Target(reverse(name, args=[kind, fmt]), "list", route.name)
                                  for kind in KINDS for fmt in FORMATS],
        "jobs": lambda: [Target(reverse(name), "list", route.name)],
        "job_retry": lambda: [obj(world.objects_by_name("jobrun").job_id)],
        "tournament_prizes": lambda: [obj(t["done"].pk)],
        "tournament_prizes_action": lambda: [obj(t["done"].pk, action) for action in ("pay", "certificates", "refunds")],
        "season_standings": lambda: [obj(season.pk)] + [obj_q(season.pk, q) for q in ("kind=team", "format=csv", "format=xlsx")],
        "season_recompute": lambda: [obj(season.pk)],
        # The shared game's all-time table: B may open it, but it counts only tournaments B may view.
        "game_all_time": lambda: [Target(reverse(name, args=[world.game.pk]) + q, "list", route.name)
                                  for q in ("", "?format=csv", "?format=xlsx")],
        "tournament_report": lambda: [obj(tt.pk) for tt in (t["live"], t["done"])] + [obj_q(t["done"].pk, "format=csv")],
        "organizer_report": lambda: [Target(reverse(name) + q, "list", route.name) for q in ("", "?format=csv")],
    }
    build = table.get(route.name)
    return build() if build else None

