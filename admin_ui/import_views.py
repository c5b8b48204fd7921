"""Spreadsheet import and export pages of the Command Center.

Upload → dry-run preview (new / updated / skipped / invalid, the rows with their changes, every
error with its row and column) → confirm. Small files are checked and imported during the request;
larger ones run as RQ jobs and the page polls a small JSON endpoint for progress. Only organizers who
may *manage* the tournament reach these pages (404 otherwise, so foreign tournaments stay invisible).
Views stay thin: the form checks shape, ``services.imports`` decides and writes.
"""
from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST
from unfold.widgets import (
    UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget, UnfoldBooleanSwitchWidget,
)

from tournaments import permissions
from tournaments.imports import exports
from tournaments.imports.presets import PRESET_CHOICES
from tournaments.imports.readers import MAX_BYTES, MAX_ROWS
from tournaments.models import ImportJob, Tournament
from tournaments.services import DomainError
from tournaments.services import imports as import_services


ACTION_LABELS = {"new": gettext_lazy("new"), "updated": gettext_lazy("updated"), "skipped": gettext_lazy("unchanged"),
                 "invalid": gettext_lazy("invalid")}


def _tournament_or_404(request, pk, capability=permissions.MANAGE):
    tournament = Tournament.objects.select_related("game", "organizer").filter(pk=pk).first()
    if tournament is None or not permissions.has_capability(request.user, tournament, capability):
        raise Http404
    return tournament


def _job_or_404(request, pk, job_id):
    tournament = _tournament_or_404(request, pk)
    job = ImportJob.objects.filter(pk=job_id, tournament=tournament).select_related("created_by").first()
    if job is None:
        raise Http404
    return tournament, job


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=ImportJob.Kind.choices)
    preset = forms.ChoiceField(label=gettext_lazy("Column names"), choices=PRESET_CHOICES, initial="auto")
    file = forms.FileField(label=gettext_lazy("File (CSV or Excel .xlsx)"),
                           help_text=gettext_lazy("Up to %(mb)d MB and %(rows)s rows. The header row may be below a title.")
                           % {"mb": MAX_BYTES // 1024 // 1024, "rows": f"{MAX_ROWS:,}"})
    overflow = forms.ChoiceField(label=gettext_lazy("More entrants than places"), initial="waitlist", choices=[
        ("waitlist", gettext_lazy("Put the rest on the waitlist (as sign-ups do)")),
        ("refuse", gettext_lazy("Refuse the file"))])
    skip_invalid = forms.BooleanField(label=gettext_lazy("Import the valid rows and skip invalid ones"), required=False,
                                      help_text=gettext_lazy("Off (default): any invalid row and nothing is imported."))
    reason = forms.CharField(label=gettext_lazy("Reason (results sheets)"), required=False, max_length=300,
                             help_text=gettext_lazy("Recorded with every score override, e.g. “Results from the LAN sheet”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget = UnfoldBooleanSwitchWidget()
            elif isinstance(field, forms.ChoiceField):
                field.widget = UnfoldAdminSelectWidget(choices=field.choices)
            elif isinstance(field, forms.FileField):
                field.widget = UnfoldAdminFileFieldWidget(attrs={"accept": ".csv,.xlsx,.txt"})
            else:
                field.widget = UnfoldAdminTextInputWidget()

    def options(self) -> dict:
        data = self.cleaned_data
        return {"overflow": data["overflow"], "skip_invalid": data["skip_invalid"], "reason": data["reason"].strip()}


def _export_links(tournament, user):
    links = []
    for key, kind in exports.KINDS.items():
        if permissions.has_capability(user, tournament, kind.capability):
            links.append({"key": key, "label": kind.label, "public": kind.public, "formats": [
                {"fmt": fmt, "url": reverse("admin_ui:tournament_export", args=[tournament.pk, key, fmt])} for fmt in exports.FORMATS]})
    return links


def imports_home(request, pk):
    tournament = _tournament_or_404(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_services.create_job(tournament.pk, actor=request.user, kind=form.cleaned_data["kind"],
                                             upload=form.cleaned_data["file"], preset=form.cleaned_data["preset"],
                                             options=form.options())
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            import_services.start_check(job)
            return redirect("admin_ui:import_detail", tournament.pk, job.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Import and export — %(t)s") % {"t": tournament.name},
        "tournament": tournament, "form": form,
        "import_jobs": ImportJob.objects.filter(tournament=tournament).select_related("created_by")[:20],
        "export_links": _export_links(tournament, request.user),
        "command_center_url": reverse("admin_ui:tournament_command_center", args=[tournament.pk]),
    }
    return render(request, "admin_ui/imports/home.html", context)


def _progress(job) -> int:
    if job.status in (ImportJob.S.DONE, ImportJob.S.FAILED):
        return 100
    return int(cache.get(import_services.progress_key(job.pk), job.progress) or 0)


def import_detail(request, pk, job_id):
    tournament, job = _job_or_404(request, pk, job_id)
    preview = job.preview or {}
    context = {
        **admin.site.each_context(request),
        "title": _("Import #%(n)d — %(t)s") % {"n": job.pk, "t": tournament.name},
        "tournament": tournament, "job": job, "preview": preview,
        "mapping": preview.get("mapping", {}),
        "rows": [{**row, "action_label": ACTION_LABELS.get(row["action"], row["action"]), "changes": [{"field": k, "old": v[0], "new": v[1]} for k, v in row.get("changes", {}).items()]}
                 for row in preview.get("rows", [])],
        "busy": job.status in (ImportJob.S.UPLOADED, ImportJob.S.IMPORTING),
        "can_confirm": job.can_confirm,
        "progress": _progress(job),
        "progress_url": reverse("admin_ui:import_progress", args=[tournament.pk, job.pk]),
        "home_url": reverse("admin_ui:tournament_imports", args=[tournament.pk]),
    }
    return render(request, "admin_ui/imports/detail.html", context)


@require_POST
def import_confirm(request, pk, job_id):
    tournament, job = _job_or_404(request, pk, job_id)
    try:
        job = import_services.confirm(job.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportJob.S.DONE:
            totals = job.totals
            messages.success(request, _("Imported: %(new)d new, %(updated)d updated, %(skipped)d unchanged.") % totals)
        elif job.status == ImportJob.S.FAILED:
            messages.error(request, job.message)
        else:
            messages.info(request, _("The import is running; this page follows its progress."))
    return redirect("admin_ui:import_detail", tournament.pk, job.pk)


def import_progress(request, pk, job_id):
    _tournament, job = _job_or_404(request, pk, job_id)
    return JsonResponse({"status": job.status, "status_label": str(job.get_status_display()), "progress": _progress(job),
                         "totals": job.totals, "message": job.message,
                         "finished": job.status not in (ImportJob.S.UPLOADED, ImportJob.S.IMPORTING)})


def tournament_export(request, pk, kind, fmt):
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404
    tournament = _tournament_or_404(request, pk, exports.KINDS[kind].capability)
    return _download(request, kind, fmt, tournament)


def scoped_export(request, kind, fmt):
    """All tournaments the user may see, in one file (scoped like the admin lists)."""
    if kind not in exports.KINDS or fmt not in exports.FORMATS or not request.user.is_staff:
        raise Http404
    return _download(request, kind, fmt, None)


def _download(request, kind, fmt, tournament):
    try:
        content, name, content_type = exports.export(kind, fmt, user=request.user, tournament=tournament)
    except exports.ExportError:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns_spec = [
    ("<int:pk>/imports/", imports_home, "tournament_imports"),
    ("<int:pk>/imports/<int:job_id>/", import_detail, "import_detail"),
    ("<int:pk>/imports/<int:job_id>/confirm/", import_confirm, "import_confirm"),
    ("<int:pk>/imports/<int:job_id>/progress/", import_progress, "import_progress"),
    ("<int:pk>/exports/<slug:kind>.<slug:fmt>", tournament_export, "tournament_export"),
    ("exports/<slug:kind>.<slug:fmt>", scoped_export, "scoped_export"),
]
