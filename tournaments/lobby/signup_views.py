"""The lobby's public entry: the list of tournaments open for registration and each one's sign-up
page. Anyone may open them (no account); they write only through ``services.signup``.

A successful sign-up redirects (303) to a "check your e-mail" page: the private lobby link is mailed
to the address given and never shown, so a person who types someone else's address gains nothing.
The done page only says where the link went (masked) and the registration's state, both kept in
the session for that one page.
"""
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..models import Game, Registration, Tournament
from ..services import DomainError, custom_fields, promos, signup
from . import ratelimit
from .signup_forms import SignUpForm
from .views import MAX_UPLOAD_REQUEST, _client_address, _content_length, _not_found, _rate_limited, _secure

DONE_KEY = "signup:done"
PAGE_SIZE = 30


def _open_now():
    now = timezone.now()
    return Q(status=Tournament.Status.REGISTRATION_OPEN, registration_opens_at__lte=now, registration_closes_at__gt=now)


@require_GET
def index(request):
    """Tournaments open for registration now, filterable by game and start date (a fixed number of
    queries whatever the number of tournaments)."""
    confirmed = (Registration.objects.filter(tournament=OuterRef("pk"), status=Registration.Status.CONFIRMED)
                 .order_by().values("tournament").annotate(n=Count("pk")).values("n"))
    qs = (Tournament.objects.filter(_open_now()).select_related("game")
          .annotate(confirmed_count=Coalesce(Subquery(confirmed, output_field=IntegerField()), Value(0)))
          .order_by("starts_at", "id"))
    games = list(Game.objects.filter(pk__in=Tournament.objects.filter(_open_now()).values("game_id")).order_by("name"))
    chosen_game = request.GET.get("game", "")
    if chosen_game:
        qs = qs.filter(game__slug=chosen_game)
    date_from = parse_date(request.GET.get("from", "") or "") if _is_date(request.GET.get("from")) else None
    date_to = parse_date(request.GET.get("to", "") or "") if _is_date(request.GET.get("to")) else None
    if date_from:
        qs = qs.filter(starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "tournaments": list(page.object_list), "games": games, "chosen_game": chosen_game,
               "date_from": date_from.isoformat() if date_from else "", "date_to": date_to.isoformat() if date_to else ""}
    return _secure(render(request, "lobby/signup/index.html", context), request)


def _is_date(text) -> bool:
    try:
        return bool(text) and parse_date(text) is not None
    except ValueError:
        return False


def _viewable(slug):
    tournament = Tournament.objects.select_related("game").filter(slug=slug).first()
    if tournament is None or tournament.status in (Tournament.Status.DRAFT, Tournament.Status.CANCELLED, Tournament.Status.ARCHIVED):
        return None
    return tournament


def _render(request, tournament, form, *, alert=None, status=200):
    confirmed = Registration.objects.filter(tournament=tournament, status=Registration.Status.CONFIRMED).count()
    context = {"tournament": tournament, "form": form, "alert": alert, "closed": signup.window_problem(tournament),
               "confirmed": confirmed, "full": confirmed >= tournament.capacity}
    return _secure(render(request, "lobby/signup/form.html", context, status=status), request)


def _mask(email: str) -> str:
    name, _at, domain = email.partition("@")
    return (name[:1] + "•••@" + domain) if domain else "•••"


@require_http_methods(["GET", "POST"])
def sign_up(request, slug):
    tournament = _viewable(slug)
    if tournament is None:
        return _not_found(request, _("There is no sign-up page here."))
    fields = custom_fields.fields_of(tournament)
    if request.method == "GET":
        return _render(request, tournament, SignUpForm(tournament=tournament, fields=fields))
    wait = ratelimit.hit("signup", _client_address(request))
    if wait:
        return _rate_limited(request, wait)
    if _content_length(request) > MAX_UPLOAD_REQUEST:
        return _render(request, tournament, SignUpForm(tournament=tournament, fields=fields), status=413,
                       alert=_("The upload is too large; images may be up to 5 MB."))
    form = SignUpForm(request.POST, request.FILES, tournament=tournament, fields=fields)
    problem = signup.window_problem(tournament)
    if problem:
        return _render(request, tournament, form, alert=problem, status=400)
    if not form.is_valid():
        form.add_service_errors(signup.check_answers(tournament, form.answers()))
        return _render(request, tournament, form, alert=_("Please correct the highlighted fields."), status=400)
    data = form.cleaned_data
    try:
        registration = signup.sign_up(tournament.pk, display_name=data["display_name"], email=data["email"],
                                      game_id=data.get("game_id", ""), team_name=data.get("team_name", ""),
                                      team_tag=data.get("team_tag", ""), answers=form.answers(),
                                      promo_code=data.get("promo_code", ""))
    except DomainError as exc:
        fields = exc.details.get("fields", {})
        form.add_service_errors(fields)
        alert = _("Please correct the highlighted fields.") if fields and exc.code != "sanctioned" else exc.message
        return _render(request, tournament, form, alert=alert, status=400)
    owed = None
    if tournament.has_fee and not registration.fee_waived:
        fee, discount, code = promos.fee_after_discount(registration, (tournament.payment_methods or [""])[0])
        owed = {"fee": str(fee), "discount": str(discount), "code": code,
                "currency": "DC" if (tournament.payment_methods or [""])[0] == "deltacoin" else tournament.entry_fee_currency}
    request.session[DONE_KEY] = {"slug": tournament.slug, "email": _mask(data["email"].strip().lower()),
                                 "status": registration.get_status_display(), "waitlist": registration.waitlist_position,
                                 "owed": owed, "waived": registration.fee_waived}
    response = redirect(reverse("lobby:signup_done", args=[tournament.slug]))
    response.status_code = 303
    return _secure(response, request)


@require_GET
def sign_up_done(request, slug):
    tournament = _viewable(slug)
    done = request.session.get(DONE_KEY)
    if tournament is None or not isinstance(done, dict) or done.get("slug") != slug:
        return redirect("lobby:signup", slug) if tournament is not None else _not_found(request)
    return _secure(render(request, "lobby/signup/done.html", {"tournament": tournament, "done": done}), request)
