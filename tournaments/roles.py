"""Django groups that give staff their admin model permissions.

Object-level scoping (which tournaments) is ``permissions.py``; these groups only decide which
screens a role opens at all. They are (re)created after every migrate so a deployment never lacks them.
"""
from django.contrib.auth.models import Group, Permission

ORGANIZERS, MODERATORS, CHECKIN_STAFF = "Organizers", "Moderators", "Check-in staff"

_ALL = ["tournament", "tournamentstaff", "registration", "payment", "match", "matchreport", "dispute",
        "announcement", "player", "team", "teammembership", "notification"]
_GRANTS = {
    ORGANIZERS: {**{m: ["view", "add", "change"] for m in _ALL}, "auditlog": ["view"], "game": ["view"],
                 "historicaltournament": ["view"],
                 # payouts, certificates, ledger, jobs, webhooks (issue 7)
                 "payout": ["view", "change"], "certificate": ["view", "change"], "walletentry": ["view"], "jobrun": ["view"],
                 "webhookendpoint": ["view", "add", "change"], "webhookdelivery": ["view"],
                 # sign-up questions, promo codes, sanctions (issue 8)
                 "customfield": ["view", "add", "change", "delete"], "promocode": ["view", "add", "change"],
                 "sanction": ["view", "add", "change"],
                 # seasons and leaderboards (issue 9)
                 "season": ["view", "add", "change"],
                 # templates (issue 8): saved from a tournament, so no "add"; owners change/delete their own
                 "tournamenttemplate": ["view", "change", "delete"]},
    MODERATORS: {"tournament": ["view"], "registration": ["view"], "match": ["view", "change"], "matchreport": ["view"],
                 "dispute": ["view", "change"], "announcement": ["view"], "player": ["view"], "team": ["view"], "auditlog": ["view"],
                 "season": ["view"]},
    CHECKIN_STAFF: {"tournament": ["view"], "registration": ["view", "change"], "player": ["view"], "team": ["view"]},
}


def ensure_role_groups(**kwargs) -> dict[str, Group]:
    groups = {}
    for name, grants in _GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        codenames = [f"{verb}_{model}" for model, verbs in grants.items() for verb in verbs]
        group.permissions.set(Permission.objects.filter(content_type__app_label="tournaments", codename__in=codenames))
        groups[name] = group
    return groups
