from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LobbyAccess(models.Model):
    """A private lobby link of one registration.

    Only the SHA-256 of the token is stored: a database dump or an admin screen never shows a link
    that still works. A registration has at most one active link (issuing a new one revokes the
    old), so "re-issue" is also how a leaked link is shut.
    """

    registration = models.ForeignKey("tournaments.Registration", on_delete=models.CASCADE, related_name="lobby_links")
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, db_index=True,
                                  help_text=_("SHA-256 (hex) of the link's token; the token itself is never stored here."))
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("issued by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, db_index=True)
    revoked_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lobby link")
        verbose_name_plural = _("lobby links")

    def __str__(self):
        return f"lobby link #{self.pk} of registration #{self.registration_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
