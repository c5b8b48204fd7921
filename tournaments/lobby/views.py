"""The participant lobby: one server-rendered page per tournament, its fragments (for live refresh
and the polling fallback), the private-link entry, and the participant's actions.

Views are thin: they find who is asking (``identity``), rate-limit, validate the input's shape
(``forms``) and call one service. A refusal is the service's ``DomainError`` message, shown on the
page re-rendered with what was typed; services are atomic, so a refusal changed nothing.
"""
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..models import PromoRedemption, Registration, Season, Tournament
from ..services import DomainError, PermissionDenied, checkin, disputes, lobby_access, matches, notifications, payments, sanctions
from ..services import registrations as registration_services
from . import fragment_cache, identity, ratelimit
from . import selectors as lobby
from .forms import ConfirmForm, DisputeForm, PaymentForm, ReportForm

FRAGMENTS = ("header", "roster", "announcements", "my-match", "bracket", "notifications", "season")
PRIVATE_FRAGMENTS = {"my-match", "notifications"}
SHARED_FRAGMENTS = {"roster", "bracket"}  # the same HTML for every viewer: rendered once per data version
LAZY_FRAGMENTS = {"bracket"}  # not in the page: fetched when its section is opened or scrolled to
MAX_UPLOAD_REQUEST = 6 * 1024 * 1024  # the service caps images at 5 MB; refuse obviously larger bodies unread


# ---- plumbing ------------------------------------------------------------------------------------

def _secure(response, request):
    """A strict CSP: the lobby has no inline script or style, and talks only to its own origin."""
    host = request.get_host()
    response["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' ws://{host} wss://{host}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    )
    response["Cache-Control"] = "no-store"  # pages show private data of a participant
    return response


def _not_found(request, message=None):
    response = render(request, "lobby/not_found.html", {"message": message or _("There is no lobby here.")}, status=404)
    return _secure(response, request)


def _rate_limited(request, wait: int):
    response = render(request, "lobby/rate_limited.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return _secure(response, request)


def _sanctioned(request, tournament, registration):
    """Issue 8: a sanctioned participant's lobby access is refused, politely and with the reason."""
    message = sanctions.registration_blocked_message(registration)
    if message is None:
        return None
    response = render(request, "lobby/sanctioned.html", {"tournament": tournament, "message": message}, status=403)
    return _secure(response, request)


def _tournament(slug, *, seasons=False):
    """The viewable tournament of ``slug``, or None. ``seasons``: also whether it counts in a public
    season (``in_public_season``), in the same query — most tournaments are in none, and the page
    then skips the season query (``selectors.season_tables``)."""
    queryset = Tournament.objects.select_related("game").filter(slug=slug)
    if seasons:
        queryset = queryset.annotate(in_public_season=Exists(
            Season.objects.filter(tournaments=OuterRef("pk"), is_public=True)))
    tournament = queryset.first()
    return tournament if identity.viewable(tournament) else None


def _page_url(tournament, anchor=""):
    return reverse("lobby:page", args=[tournament.slug]) + (f"#{anchor}" if anchor else "")


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


# ---- context -------------------------------------------------------------------------------------

def _header(tournament, registration):
    return {"tournament": tournament, "registration": registration,
            "check_in_open": tournament.check_in_window_open(),
            "can_check_in": registration is not None and registration.status == Registration.Status.CONFIRMED
            and tournament.status in (Tournament.Status.REGISTRATION_OPEN, Tournament.Status.REGISTRATION_CLOSED,
                                      Tournament.Status.LIVE) and tournament.check_in_window_open()}


def _page_number(value) -> int:
    """A roster page number from the query string; anything else is page 1 (no error)."""
    value = (value or "").strip()
    return max(1, min(int(value[:9]), 10**6)) if value.isascii() and value.isdigit() else 1


def _shared_html(name, tournament, page=1):
    """The roster page ``page`` or the bracket, from the fragment cache (rendered on a miss). The
    template gets no request and no participant: the HTML is the same for everyone."""
    if name == "roster":
        stamp = lobby.roster_stamp(tournament)
        pages = max(1, -(-int(stamp[0]) // lobby.ROSTER_PAGE_SIZE))  # stamp[0]: registrations, ≥ roster rows
        page = min(page, pages)  # bounded keys: a typed page 999999 is the last page's entry
        html = fragment_cache.render(tournament, "roster", (page,), stamp, lambda: render_to_string(
            "lobby/fragments/roster.html", {"f": lobby.roster_page(tournament, page)}))
    else:
        html = fragment_cache.render(tournament, "bracket", (), lobby.bracket_stamp(tournament), lambda: render_to_string(
            "lobby/fragments/bracket.html", {"f": {"tournament": tournament, "stages": lobby.bracket(tournament)}}))
    return mark_safe(html)  # rendered by Django's templates, escaped there


# Pushed with the lobby event that changes them (consumers.LobbyConsumer.lobby_event): the same HTML for
# every viewer, so a process renders it once per event instead of every open page fetching it.
PUSHED_FRAGMENTS = ("roster", "bracket", "announcements")


def pushed_html(name, tournament, page=1) -> str:
    """The HTML of shared fragment ``name`` as its HTTP fragment view would answer it (for the socket)."""
    if name in SHARED_FRAGMENTS:
        return str(_shared_html(name, tournament, page))
    if name == "announcements":
        return render_to_string("lobby/fragments/announcements.html", {"f": _fragment_context(name, tournament, None)})
    raise KeyError(name)


def _my_match(tournament, registration, bound=None):
    bound = bound or {}
    my = lobby.my_matches(registration)
    current = lobby.next_match(my)
    situation = lobby.match_situation(current, registration)
    context = {"tournament": tournament, "registration": registration, "my_matches": my, "match": current,
               "situation": situation}
    if current is not None:
        context["report_form"] = bound.get("report") or ReportForm(match=current, auto_id="id_report_%s")
        context["dispute_form"] = bound.get("dispute") or DisputeForm(auto_id="id_dispute_%s")
        context["forfeit_form"] = bound.get("forfeit") or ConfirmForm(auto_id="id_forfeit_%s")
    if tournament.status in Tournament.PRE_LIVE and registration.status in Registration.ACTIVE:
        context["withdraw_form"] = bound.get("withdraw") or ConfirmForm(auto_id="id_withdraw_%s")
    if (tournament.has_fee and not registration.fee_waived
            and registration.status in (Registration.Status.PENDING, Registration.Status.PAYMENT_PENDING,
                                        Registration.Status.WAITLISTED)):
        context["payment"] = registration.payments.order_by("-submitted_at", "-id").first()
        context["promo"] = PromoRedemption.objects.select_related("promo").filter(registration_id=registration.pk).first()
        context["payment_form"] = bound.get("payment") or PaymentForm(tournament=tournament, auto_id="id_payment_%s")
    return context


def _notifications(tournament, registration):
    notes, unread = lobby.notifications(registration)
    return {"tournament": tournament, "notes": notes, "unread": unread}


def _fragment_context(name, tournament, registration, bound=None):
    if name == "header":
        return _header(tournament, registration)
    if name == "announcements":
        return {"announcements": lobby.announcements(tournament)}
    if name == "my-match":
        return _my_match(tournament, registration, bound)
    if name == "notifications":
        return _notifications(tournament, registration)
    if name == "season":
        return {"tables": lobby.season_tables(tournament), "registration": registration}
    raise KeyError(name)


def _page(request, tournament, registration, *, bound=None, alert=None, status=200):
    """The lobby page: the participant's own parts, announcements, one roster page (``?roster=N``);
    the bracket comes later, on demand (``LAZY_FRAGMENTS``)."""
    visible = [name for name in FRAGMENTS if registration is not None or name not in PRIVATE_FRAGMENTS]
    fragments = {name.replace("-", "_"): _fragment_context(name, tournament, registration, bound)
                 for name in visible if name not in SHARED_FRAGMENTS}
    roster_page = _page_number(request.GET.get("roster"))
    fragments["roster_html"] = _shared_html("roster", tournament, roster_page)
    context = {"tournament": tournament, "registration": registration, "alert": alert, "fragments": fragments,
               "config": {
                   "ws": f"/ws/lobby/{tournament.slug}/",
                   "fragments": {name: reverse("lobby:fragment", args=[tournament.slug, name]) for name in visible},
                   "lazy": sorted(LAZY_FRAGMENTS),
                   "me": registration.pk if registration is not None else None,
                   # a waitlisted participant's place moves when others come and go: their header
                   # follows every roster change (lobby.js), everyone else's only their own
                   "waitlisted": registration is not None and registration.status == Registration.Status.WAITLISTED,
                   "rosterPage": roster_page,
                   "lang": translation.get_language(),
                   "pollSeconds": 10,
                   "i18n": {"live": _("Live updates on"), "reconnecting": _("Reconnecting…"),
                            "polling": _("Live updates unavailable; refreshing every 10 seconds"),
                            "startsIn": _("starts in %(t)s"), "now": _("starting now"),
                            "h": _("h"), "min": _("min"), "s": _("s")},
               }}
    return _secure(render(request, "lobby/page.html", context, status=status), request)


# ---- pages ---------------------------------------------------------------------------------------

@require_GET
def page(request, slug):
    tournament = _tournament(slug, seasons=True)
    if tournament is None:
        return _not_found(request)
    registration = identity.participant(request.session, request.user, tournament)
    refused = _sanctioned(request, tournament, registration) if registration is not None else None
    return refused or _page(request, tournament, registration)


@require_GET
def fragment(request, slug, name):
    tournament = _tournament(slug, seasons=name == "season")
    if tournament is None or name not in FRAGMENTS:
        return _not_found(request)
    if name in SHARED_FRAGMENTS:  # the same for everyone: no need to know who asks (no session read)
        html = _shared_html(name, tournament, _page_number(request.GET.get("page")))
        return _secure(HttpResponse(html), request)
    registration = identity.participant(request.session, request.user, tournament)
    if name in PRIVATE_FRAGMENTS and registration is None:
        response = render(request, "lobby/fragments/private_only.html", {}, status=403)
        return _secure(response, request)
    template = f"lobby/fragments/{name.replace('-', '_')}.html"
    return _secure(render(request, template, {"f": _fragment_context(name, tournament, registration)}), request)


@require_GET
def bracket_page(request, slug):
    """The whole bracket on a page of its own (the lobby loads it on demand; this is its link, and
    the way to it without JavaScript)."""
    tournament = _tournament(slug)
    if tournament is None:
        return _not_found(request)
    context = {"tournament": tournament, "bracket_html": _shared_html("bracket", tournament)}
    return _secure(render(request, "lobby/bracket_page.html", context), request)


@never_cache
@require_GET
def join(request, token, slug=None):
    """Open a private link: remember the registration in a freshly rotated session and leave the
    token behind (redirect; no Referer)."""
    wait = ratelimit.hit("join", _client_address(request))
    if wait:
        return _rate_limited(request, wait)
    found = lobby_access.resolve(token)
    if found is None:
        return _not_found(request, _("This lobby link is not valid any more. Ask the organizer for a new one."))
    access, registration = found
    tournament = registration.tournament
    if not identity.viewable(tournament) or (slug is not None and slug != tournament.slug):
        return _not_found(request, _("This lobby link is not valid any more. Ask the organizer for a new one."))
    refused = _sanctioned(request, tournament, registration)
    if refused is not None:
        return refused
    # No session fixation: the link's rights never go to a session id the browser already had. A
    # session that exists is given a new id; a browser without one (or with an unknown id, dropped
    # by the load) gets a fresh id when the session is first saved — one insert, not two.
    request.session.keys()  # loads the session: an unknown or expired id is forgotten here
    if request.session.session_key is not None:
        request.session.cycle_key()
    identity.remember(request.session, registration, access)
    response = redirect("lobby:page", tournament.slug)
    response["Referrer-Policy"] = "no-referrer"
    return _secure(response, request)


@require_POST
def leave(request, slug):
    """Forget the private link on this device (a shared computer at a LAN event)."""
    identity.forget(request.session, slug)
    messages.info(request, _("You left the lobby on this device. Open your private link to come back."))
    return redirect(reverse("lobby:page", args=[slug]), permanent=False)


# ---- actions -------------------------------------------------------------------------------------

def _act(request, slug, run, *, anchor, form_name=None, form_factory=None):
    """Identify, rate-limit, validate, call the service; success → redirect (303) with a message,
    refusal → the page again with the service's message and what was typed."""
    tournament = _tournament(slug)
    if tournament is None:
        return _not_found(request)
    registration = identity.participant(request.session, request.user, tournament)
    if registration is None:
        response = render(request, "lobby/forbidden.html", {"tournament": tournament}, status=403)
        return _secure(response, request)
    wait = ratelimit.hit("action", registration.pk)
    if wait:
        return _rate_limited(request, wait)
    refused = _sanctioned(request, tournament, registration)
    if refused is not None:
        return refused
    if _content_length(request) > MAX_UPLOAD_REQUEST:
        return _page(request, tournament, registration, status=413,
                     alert=_("The upload is too large; images may be up to 5 MB."))
    form = form_factory(registration) if form_factory else None
    bound = {form_name: form} if form_name else {}
    if form is not None and not form.is_valid():
        return _page(request, tournament, registration, bound=bound, status=400,
                     alert=_("Please correct the highlighted fields."))
    try:
        message = run(registration, form.cleaned_data if form is not None else None)
    except DomainError as exc:
        if form is not None:
            form.add_error(None, exc.message)
        return _page(request, tournament, registration, bound=bound, alert=exc.message,
                     status=403 if isinstance(exc, PermissionDenied) or exc.code == "forbidden" else 400)
    messages.success(request, message)
    response = redirect(_page_url(tournament, anchor))
    response.status_code = 303
    return response


def _match_id(value):
    return int(value)


@require_POST
def check_in(request, slug):
    undo = request.POST.get("undo") == "1"

    def run(reg, _data):
        if undo:
            checkin.toggle(reg.pk, actor=reg)
            return _("Check-in undone.")
        checkin.check_in(reg.pk, actor=reg)
        return _("You are checked in.")
    return _act(request, slug, run, anchor="header")


@require_POST
def report(request, slug, match_id):
    def run(reg, data):
        matches.submit_result(_match_id(match_id), actor=reg, score_a=data["score_a"], score_b=data["score_b"],
                              evidence_url=data["evidence_url"], evidence=data["evidence"] or None)
        return _("Result reported. Your opponent confirms it, or staff review it.")
    return _act(request, slug, run, anchor="my-match", form_name="report",
                form_factory=lambda reg: ReportForm(request.POST, request.FILES, auto_id="id_report_%s"))


@require_POST
def confirm(request, slug, match_id):
    def run(reg, _data):
        matches.confirm_result(_match_id(match_id), actor=reg)
        return _("Result confirmed.")
    return _act(request, slug, run, anchor="my-match")


@require_POST
def dispute(request, slug, match_id):
    def run(reg, data):
        disputes.open_dispute(_match_id(match_id), actor=reg, reason=data["reason"], description=data["description"],
                              evidence_url=data["evidence_url"])
        return _("Dispute opened. Staff will review it.")
    return _act(request, slug, run, anchor="my-match", form_name="dispute",
                form_factory=lambda reg: DisputeForm(request.POST, auto_id="id_dispute_%s"))


@require_POST
def forfeit(request, slug, match_id):
    def run(reg, data):
        matches.forfeit(_match_id(match_id), actor=reg, forfeiting_registration_id=reg.pk, reason=data["reason"])
        return _("You forfeited the match.")
    return _act(request, slug, run, anchor="my-match", form_name="forfeit",
                form_factory=lambda reg: ConfirmForm(request.POST, auto_id="id_forfeit_%s"))


@require_POST
def withdraw(request, slug):
    def run(reg, data):
        registration_services.withdraw(reg.pk, actor=reg, reason=data["reason"])
        return _("Your registration is withdrawn.")
    return _act(request, slug, run, anchor="my-match", form_name="withdraw",
                form_factory=lambda reg: ConfirmForm(request.POST, auto_id="id_withdraw_%s"))


@require_POST
def pay(request, slug):
    def run(reg, data):
        payments.submit(reg.pk, actor=reg, method=data["method"], amount=data["amount"], reference=data["reference"],
                        proof=data["proof"] or None)
        return _("Payment submitted. Staff will verify it.")
    return _act(request, slug, run, anchor="my-match", form_name="payment",
                form_factory=lambda reg: PaymentForm(request.POST, request.FILES, tournament=reg.tournament,
                                                     auto_id="id_payment_%s"))


@require_POST
def read_notifications(request, slug):
    def run(reg, _data):
        count = notifications.mark_read(reg.pk, actor=reg)
        return ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count) % {"n": count}
    return _act(request, slug, run, anchor="notifications")
