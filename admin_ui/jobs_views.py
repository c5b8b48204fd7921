"""The Jobs page and the per-tournament Prizes page of the Command Center.

Jobs: queued / running / failed jobs per RQ queue (scaled mode) with their error, progress (from the
job's ``meta``) and the object they work on, plus the recent runs recorded in ``JobRun`` (both modes,
so the page works without Redis). Failed jobs have a Retry button (POST + CSRF). Superusers see every
job; organizers only jobs of their tournaments.

Prizes: the payout dry run (who gets what, nothing written), the reconciliation report, and buttons
that queue the payout run, the certificate batch or the entry-fee refunds — each through a service.
"""
import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tournaments import jobs, permissions
from tournaments.models import Certificate, JobRun, Payout, PayoutRun, Tournament
from tournaments.services import DomainError, certificates, payouts

QUEUES = ("default", "payouts", "certificates", "notifications")
SHOWN = 50


def _scope(user):
    """None: every tournament; else the ids the user may view."""
    if user.is_superuser:
        return None
    return set(permissions.tournaments_for(user, permissions.VIEW).values_list("pk", flat=True))


def _visible(scope, tournament_id) -> bool:
    return scope is None or (tournament_id is not None and tournament_id in scope)


def _target_url(target: dict, tournament_id):
    model = (target or {}).get("model")
    if model == "webhookendpoint" and target.get("id"):
        return reverse("admin:tournaments_webhookendpoint_change", args=[target["id"]])
    if tournament_id:
        return reverse("admin_ui:tournament_prizes", args=[tournament_id])
    return None


def _rq_rows(scope):
    """Per queue: queued, started, scheduled and failed jobs (with meta) from RQ's registries."""
    import django_rq
    from rq.job import Job
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    sections = []
    for name in QUEUES:
        queue = django_rq.get_queue(name)
        groups = [("queued", queue.get_job_ids(0, SHOWN - 1)),
                  ("started", StartedJobRegistry(queue=queue).get_job_ids(0, SHOWN - 1)),
                  ("scheduled", ScheduledJobRegistry(queue=queue).get_job_ids(0, SHOWN - 1)),
                  ("failed", FailedJobRegistry(queue=queue).get_job_ids(0, SHOWN - 1))]
        rows = []
        for state, ids in groups:
            for job in Job.fetch_many(ids, connection=queue.connection):
                if job is None:
                    continue
                meta = job.meta or {}
                tournament_id = meta.get("tournament_id")
                if not _visible(scope, tournament_id):
                    continue
                error = ""
                if state == "failed":
                    result = job.latest_result()
                    error = (result.exc_string if result is not None else "") or ""
                rows.append({"id": job.id, "state": state, "func": (job.args[0] if (job.func_name or "").endswith("jobs.execute") and job.args else job.func_name),
                             "enqueued_at": job.enqueued_at, "error": error.strip().splitlines()[-1] if error.strip() else "",
                             "progress": meta.get("progress") or {}, "orphaned": state == "started" and jobs.is_orphaned(job),
                             "target": (meta.get("target") or {}).get("label", ""),
                             "target_url": _target_url(meta.get("target"), tournament_id)})
        sections.append({"queue": name, "count": queue.count, "rows": rows})
    return sections


def _rq_rows_or_warning(request, scope):
    """Redis down: the page still lists our own JobRun records and says why RQ's part is missing."""
    from tournaments import outbox

    try:
        return _rq_rows(scope)
    except outbox.connection_errors():
        messages.warning(request, _("The job queue (Redis) is unreachable: queued work waits in the outbox and is "
                                    "handed to the workers when it is back (%(n)d waiting).") % {"n": outbox.pending_count()})
        return []


def jobs_page(request):
    scope = _scope(request.user)
    runs = JobRun.objects.select_related("tournament").order_by("-enqueued_at", "-id")
    if scope is not None:
        runs = runs.filter(tournament_id__in=scope)
    runs = list(runs[:100])
    for run in runs:
        run.target_url = _target_url(run.target, run.tournament_id)
        run.error_line = run.error.strip().splitlines()[0] if run.error.strip() else ""
    context = {
        **admin.site.each_context(request),
        "title": _("Jobs"),
        "embedded": settings.JOBS_INLINE,
        "sections": [] if settings.JOBS_INLINE else _rq_rows_or_warning(request, scope),
        "runs": runs,
    }
    return render(request, "admin_ui/jobs.html", context)


@require_POST
def job_retry(request, job_id):
    scope = _scope(request.user)
    run = JobRun.objects.filter(job_id=job_id).first()
    tournament_id = run.tournament_id if run else None
    if run is None and not settings.JOBS_INLINE:
        from tournaments import outbox

        try:
            job = jobs._fetch(job_id)
        except outbox.connection_errors():
            job = None
        tournament_id = (job.meta or {}).get("tournament_id") if job else None
    if not _visible(scope, tournament_id) or (scope is not None and not permissions.has_capability(
            request.user, Tournament.objects.get(pk=tournament_id), permissions.MANAGE)):
        raise Http404
    try:
        messages.success(request, jobs.retry(job_id))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("admin_ui:jobs")


# ---- prizes & certificates of one tournament -----------------------------------------------------------

class PayoutRunForm(forms.Form):
    team_split = forms.ChoiceField(label=gettext_lazy("Team prizes"), choices=PayoutRun.TeamSplit.choices, initial="equal")
    custom_shares = forms.CharField(label=gettext_lazy("Custom shares (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=gettext_lazy('Per team registration id, each player id\'s weight: {"41": {"7": 2, "8": 1}}'))

    def clean_custom_shares(self):
        raw = (self.cleaned_data.get("custom_shares") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON."))
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise forms.ValidationError(_('Use {"registration id": {"player id": weight, …}, …}.'))
        return value


def _managed_tournament(request, pk):
    tournament = Tournament.objects.select_related("game", "organizer").filter(pk=pk).first()
    if tournament is None or not permissions.has_capability(request.user, tournament, permissions.MANAGE):
        raise Http404
    return tournament


def tournament_prizes(request, pk):
    tournament = _managed_tournament(request, pk)
    form = PayoutRunForm(request.GET or None)
    options = form.cleaned_data if form.is_valid() else {"team_split": "equal", "custom_shares": {}}
    plan = plan_error = report = None
    run = PayoutRun.objects.filter(tournament=tournament, kind=PayoutRun.Kind.PRIZES).first()
    try:
        plan = payouts.dry_run(tournament.pk, actor=request.user, **options)
    except DomainError as exc:
        plan_error = str(exc)
    if run is not None:
        try:
            report = payouts.reconcile(tournament.pk, actor=request.user)
        except DomainError as exc:
            plan_error = plan_error or str(exc)
    context = {
        **admin.site.each_context(request),
        "title": _("Prizes and certificates — %(t)s") % {"t": tournament.name},
        "tournament": tournament, "form": form, "plan": plan, "plan_error": plan_error, "run": run, "report": report,
        "payout_counts": {s: Payout.objects.filter(tournament=tournament, status=s).count() for s in Payout.Status.values},
        "certificates_issued": Certificate.objects.filter(tournament=tournament, status=Certificate.Status.ISSUED).count(),
        "can_refund": tournament.status == Tournament.Status.CANCELLED,
        "payouts_url": reverse("admin:tournaments_payout_changelist") + f"?tournament__id__exact={tournament.pk}",
        "certificates_url": reverse("admin:tournaments_certificate_changelist") + f"?tournament__id__exact={tournament.pk}",
    }
    return render(request, "admin_ui/prizes.html", context)


@require_POST
def tournament_prizes_action(request, pk, action):
    tournament = _managed_tournament(request, pk)
    try:
        if action == "pay":
            form = PayoutRunForm(request.POST)
            if not form.is_valid():
                messages.error(request, "; ".join(str(e) for errors in form.errors.values() for e in errors))
                return redirect("admin_ui:tournament_prizes", pk=tournament.pk)
            payouts.start_prize_payouts(tournament.pk, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The prize payout is queued; follow it on the Jobs page."))
        elif action == "certificates":
            certificates.start_batch(tournament.pk, actor=request.user)
            messages.success(request, _("Certificate generation is queued; follow it on the Jobs page."))
        elif action == "refunds":
            done = payouts.refund_entry_fees(tournament.pk, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("%(n)d entry fees refunded; cash refunds are listed as pending payouts.") % {"n": len(done)})
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("admin_ui:tournament_prizes", pk=tournament.pk)


urlpatterns_spec = [
    ("jobs/", jobs_page, "jobs"),
    ("jobs/<str:job_id>/retry/", job_retry, "job_retry"),
    ("tournament/<int:pk>/prizes/", tournament_prizes, "tournament_prizes"),
    ("tournament/<int:pk>/prizes/<slug:action>/", tournament_prizes_action, "tournament_prizes_action"),
]
