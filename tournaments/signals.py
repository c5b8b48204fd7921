"""Every transition names itself in the history row it produces.

django-fsm changes state in memory; the service then saves. simple-history reads
``instance._change_reason`` at save time, so setting it here makes "who moved this to confirmed, by
which transition" visible on every historical row without each service remembering to do so.
"""
from django.dispatch import receiver
from django_fsm.signals import post_transition


@receiver(post_transition)
def record_transition_as_change_reason(sender, instance, name, source, target, **kwargs):
    instance._change_reason = f"{name}: {source} → {target}"
