from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TournamentsConfig(AppConfig):
    name = "tournaments"
    verbose_name = _("Tournaments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401  (registers the FSM → history change-reason hook)
        from .roles import ensure_role_groups

        post_migrate.connect(lambda sender, **kw: ensure_role_groups() if sender.name == self.name else None,
                             weak=False, dispatch_uid="tournaments.ensure_role_groups")
