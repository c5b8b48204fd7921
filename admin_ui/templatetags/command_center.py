"""Template helpers of the Command Center admin."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed_row_actions(context, actions):
    """Row actions allowed for the row being rendered (``result.instance``), asked of the model admin.

    Admins without per-row rules (``row_actions_for``) keep unfold's list unchanged.
    """
    if not actions:
        return actions
    model_admin = getattr(context.get("cl"), "model_admin", None)
    instance = getattr(context.get("result"), "instance", None)
    check = getattr(model_admin, "row_actions_for", None)
    request = getattr(context, "request", None) or context.get("request")
    if check is None or instance is None or request is None:
        return actions
    return check(request, actions, instance)
