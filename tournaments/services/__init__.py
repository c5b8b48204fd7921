"""Every write in the product goes through these modules (one per workflow):

- ``registrations``: register, approve, reject, bulk_approve, bulk_reject, move_to_waitlist, promote,
  promote_next, withdraw, disqualify
- ``payments``: submit, verify, reject, refund, waive_fee
- ``checkin``: toggle, check_in, bulk_check_in
- ``matches``: reschedule, start, submit_result, confirm_result, reject_result, override_score,
  forfeit, cancel, set_lobby_info
- ``disputes``: open_dispute, review, escalate, resolve
- ``announcements``: post, set_pinned
- ``tournaments``: publish, open_registration, close_registration, start, complete, archive, cancel
- ``notifications``: notify, deliver_email;  ``audit``: log_action

Each validates, locks, transitions, saves, audits and schedules events/jobs on commit, and raises
``DomainError`` (``errors``) with a message a person can act on.
"""
from .errors import DomainError, PermissionDenied

__all__ = ["DomainError", "PermissionDenied"]
