from django.apps import AppConfig


class AdminUiConfig(AppConfig):
    name = "admin_ui"
    verbose_name = "Command Center"

    def ready(self):
        from . import patches

        patches.apply()
