from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from admin_ui.rq_access import rq_urlpatterns
from tournaments import health, observability, public_views

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", health.healthz, name="healthz"),
    path("readiness", health.readiness, name="readiness"),
    path("metrics", observability.metrics_view, name="metrics"),
    path("verify/<str:code>/", public_views.verify_certificate, name="certificate_verify"),
    path("admin/rq/", include((rq_urlpatterns(), "django_rq"))),  # superusers only
    path("admin/command-center/", include("admin_ui.urls")),
    path("admin/", admin.site.urls),
    path("lobby/", include("tournaments.lobby.urls")),
]

# A plain page, never a traceback; 503 + Retry-After while the database is unreachable.
handler500 = "tournaments.observability.server_error"

if settings.DEBUG or settings.EMBEDDED:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
