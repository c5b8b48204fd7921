"""Pages anyone may open without logging in: certificate verification.

The page shows only what the certificate itself shows (display name, award, tournament, game, date)
— no email, phone or account data — and whether the certificate is valid, revoked (with the reason)
or tampered. Uploading a copy compares its SHA-256 with the one recorded when it was issued.
"""
from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .services import certificates


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Certificate PDF"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CERTIFICATE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB; a certificate is much smaller.") % {"mb": max(1, limit // (1024 * 1024))})
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-" or not upload.name.lower().endswith(".pdf"):
            raise forms.ValidationError(_("Upload the certificate as a PDF file."))
        return upload


@require_http_methods(["GET", "POST"])
def verify_certificate(request, code):
    from .lobby import ratelimit

    wait = ratelimit.hit("verify", request.META.get("REMOTE_ADDR") or "unknown")
    if wait:  # codes are random, but a public page that hashes uploads should not be hammered
        response = render(request, "lobby/rate_limited.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = UploadForm(request.POST or None, request.FILES or None)
    upload = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"].read()
    result = certificates.verify(code, upload)
    certificate = result.certificate
    context = {
        "code": code,
        "result": result,
        "form": form,
        "certificate": certificate,
        "tournament": certificate.tournament if certificate else None,
        "day": (certificate.tournament.ends_at or certificate.tournament.completed_at or certificate.tournament.starts_at) if certificate else None,
    }
    status = 404 if result.status == "unknown" else 200
    response = render(request, "tournaments/verify.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
