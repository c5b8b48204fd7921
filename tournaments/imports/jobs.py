"""RQ entry points of imports (thin: they call services). Idempotent: a retried job finds the
import already past the state it expects and returns."""


def check_import(import_job_id: int) -> None:
    from ..services import imports

    imports.check(import_job_id)


def run_import(import_job_id: int) -> None:
    from ..services import imports

    imports.run(import_job_id)


def send_notification_emails(notification_ids: list[int]) -> None:
    """Mail the notifications of imported entrants (each at most once, see ``deliver_email``)."""
    from ..services.notifications import deliver_email

    for notification_id in notification_ids:
        deliver_email(notification_id)
