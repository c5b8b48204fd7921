"""Template helpers of the Command Center admin."""
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ROW_ACTIONS_TEMPLATE = "admin_ui/actions/actions_row.html"
# Stands in for the row's primary key while a row-actions cell is rendered once per page (see below).
_PK_STAND_IN = 918273645546372819


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


@register.simple_tag(takes_context=True)
def row_actions_cell(context, actions, instance_pk):
    """The row-actions cell of one changelist row: only the actions allowed for that row.

    The cell differs between rows only by the row's primary key, so for integer keys it is rendered
    once per page and set of allowed actions (with a stand-in key) and the key substituted per row;
    rendering the template for every row cost more than the rest of the row's extra columns. Other
    keys (strings, UUIDs) render the template for each row.
    """
    if not actions:
        return ""
    allowed = allowed_row_actions(context, actions)
    values = {"actions": allowed, "had_actions": actions}
    if not isinstance(instance_pk, int) or isinstance(instance_pk, bool) or instance_pk < 0:
        return _render(context, {**values, "instance_pk": instance_pk})
    request = getattr(context, "request", None) or context.get("request")
    cache = request.__dict__.setdefault("_command_center_row_cells", {}) if request is not None else {}
    key = (id(actions), tuple(id(item) for item in allowed))
    if key not in cache:
        cache[key] = (actions, _render(context, {**values, "instance_pk": _PK_STAND_IN}))  # keeps ids alive
    return mark_safe(cache[key][1].replace(str(_PK_STAND_IN), str(instance_pk)))


def _render(context, values):
    with context.push(**values):
        return context.template.engine.get_template(ROW_ACTIONS_TEMPLATE).render(context)
