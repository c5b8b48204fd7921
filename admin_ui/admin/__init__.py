"""Command Center model admins, one module per area; importing the package registers them all.

``base`` (scoping, history scope fix, status badges), ``actions`` (service-backed transitions as
unfold actions), ``bulk`` (classic bulk actions with a confirmation page), ``filters``, ``forms``.
"""
from . import audit, disputes, matches, payments, people, registrations, tournaments  # noqa: F401
from . import jobs_payouts  # noqa: F401,E402  (payouts, certificates, ledger, job runs, webhooks)
from . import signup  # noqa: F401,E402  (promo codes, sanctions; custom fields inline on tournaments)
from . import seasons  # noqa: F401,E402  (seasons and leaderboards)
from . import templates  # noqa: F401,E402  (tournament templates)
from .. import rq_access  # noqa: F401,E402  (RQ's own pages: superusers only)
