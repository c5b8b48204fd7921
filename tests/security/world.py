"""Two organizers: A owns one object of every kind the admin shows (all carrying MARK), B owns a little.

The cross-organizer suite resolves every admin / Command Center URL with A's objects and requests it
as B. Every text A's objects carry contains MARK, so "never A's data in the body" is a substring check.
"""
import csv as csv_module
import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import enter, make_player, make_tournament
from tests.jobs.support import complete_with_placements, drain
from tournaments.models import (AuditLog, Certificate, Dispute, Game, ImportJob, JobRun, Payout, PromoCode, Sanction,
                                WalletEntry, WebhookDelivery)
from tournaments.roles import ORGANIZERS, ensure_role_groups
from tournaments.services import (announcements, brackets, certificates, custom_fields, disputes, imports, matches,
                                  payments, payouts, promos, registrations, sanctions, seasons, setup, templates,
                                  tournaments as tournament_services)

MARK = "ZQXMARK"  # in every name, title, text and reference of organizer A's objects


def _organizer(username):
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username, is_staff=True)
    user.groups.add(ensure_role_groups()[ORGANIZERS])
    return user


@dataclass
class World:
    a: User
    b: User
    game: Game
    objects: dict = field(default_factory=dict)   # model class → A's object of it
    tournaments: dict = field(default_factory=dict)  # role ("live", "done", "br", "open") → A's tournament
    extra: dict = field(default_factory=dict)

    def objects_by_name(self, model_name: str):
        return next(obj for model, obj in self.objects.items() if model._meta.model_name == model_name)


def build(capture, mark: str = MARK) -> World:
    """``capture`` is pytest-django's django_capture_on_commit_callbacks (jobs run after commit);
    ``mark`` is the text put into every user text field (the XSS suite passes a script payload)."""
    from django.conf import settings

    if not settings.JOBS_INLINE:  # services tier: a previous test's RQ jobs (same ids) must not linger
        import django_rq

        django_rq.get_connection("default").flushdb()
    a, b = _organizer("zqxmark_org"), _organizer("bob_other")
    game = Game.objects.create(name="Shared Game", slug="shared-game", team_size=1, max_substitutes=0,
                               id_format="konami_id", result_type="map_score")
    team_game = Game.objects.create(name="Shared Team Game", slug="shared-team-game", team_size=3, max_substitutes=1,
                                    id_format="riot_id", result_type="map_score")
    br_game = Game.objects.create(name="Shared BR Game", slug="shared-br", team_size=1, max_substitutes=0,
                                  id_format="mobile_uid", result_type="points", br_points_table=[12, 9, 7, 5, 4, 3, 2, 1],
                                  br_points_per_kill=1)
    w = World(a=a, b=b, game=game)
    now = timezone.now()

    def players(n, prefix):
        return [make_player(f"{mark} {prefix[:1]}{i}") for i in range(n)]

    # A: a live event with a reported match, a dispute and an announcement.
    live = make_tournament(a, game, name=f"{mark} Live Cup", slug="zqx-live", description=f"{mark} description")
    custom_field = custom_fields.save_field(live.pk, actor=a, label=f"{mark} Discord", key="discord",
                                            help_text=f"{mark} help text")
    regs = [registrations.register(live, player=p, actor=a, answers={"discord": f"{mark} answer", "Old": f"{mark} old"})
            for p in players(4, "Live")]
    tournament_services.close_registration(live.pk, actor=a)
    live = tournament_services.start(live.pk, actor=a)
    match = setup.create_match(live.pk, actor=a, key="M1", slot_a=regs[0], slot_b=regs[1],
                               scheduled_at=now + timedelta(hours=1))
    match = matches.set_lobby_info(match.pk, actor=a, lobby_code=f"{mark}-ROOM")
    matches.submit_result(match.pk, actor=regs[0], score_a=2, score_b=1)
    dispute = disputes.open_dispute(match.pk, actor=regs[1], reason=Dispute.Reason.WRONG_SCORE,
                                    description=f"{mark} dispute text")
    disputes.escalate(dispute.pk, actor=a, note=f"{mark} escalation note")
    announcement = announcements.post(live.pk, actor=a, title=f"{mark} news", body=f"{mark} body")

    # A: a paid event with a payment claim waiting.
    paid = make_tournament(a, game, name=f"{mark} Paid Cup", slug="zqx-paid", entry_fee=Decimal("500"),
                           payment_methods=["bkash"])
    paid_reg = registrations.register(paid, player=make_player(f"{mark} Payer"), actor=a)
    payment = payments.submit(paid_reg.pk, actor=paid_reg, method="bkash", amount="500", reference=f"{mark}REF")

    # A: a team event (teams are visible through their registrations).
    team_event = make_tournament(a, team_game, name=f"{mark} Team Cup", slug="zqx-team", participation="team")
    captain, *members = players(4, "Teammate")
    team = setup.create_team(actor=None, game=team_game, name=f"{mark} Team", tag="ZQX", captain=captain,
                             players=members[:2], substitutes=members[2:])
    registrations.register(team_event, team=team, actor=a)

    # A: a completed event with prizes paid (payouts, wallet entries, a job run) and a certificate.
    done = make_tournament(a, game, name=f"{mark} Done Cup", slug="zqx-done", prize_pool=Decimal("1000"),
                           prize_distribution={"1": 60, "2": 40}, prize_deltacoin=100)
    done_regs = [registrations.register(done, player=p, actor=a) for p in players(2, "Done")]
    done = complete_with_placements(a, done, [(done_regs[0], 1), (done_regs[1], 2)])
    with capture(execute=True):
        payouts.start_prize_payouts(done.pk, actor=a)
    drain()  # services tier: the payout jobs were queued in RQ (embedded: already ran)
    certificate = certificates.issue(done.pk, actor=a, kind="champion", registration_id=done_regs[0].pk)

    # A: a battle-royale event with generated lobbies.
    br = make_tournament(a, br_game, name=f"{mark} BR Cup", slug="zqx-br", capacity=12, format="battle_royale")
    enter(br, 12)
    tournament_services.close_registration(br.pk, actor=a)
    stage = brackets.generate(br.pk, actor=a, options={"lobby_size": 6, "rounds": 1})
    br_lobby = stage.lobbies.order_by("pk").first()

    # A: an import waiting for confirmation, and a webhook endpoint with one delivery.
    open_event = make_tournament(a, game, name=f"{mark} Open Cup", slug="zqx-open", capacity=64)
    custom_fields.save_field(open_event.pk, actor=a, label=f"{mark} Role", key="role", help_text=f"{mark} role help")
    rows = io.StringIO()
    csv_module.writer(rows).writerows([["name", "email"], [f"{mark} Imp", "imported@example.com"]])
    csv = rows.getvalue().encode()
    with capture(execute=True):
        import_job = imports.create_job(open_event.pk, actor=a, kind="registrations",
                                        upload=SimpleUploadedFile("zqx.csv", csv))
    from tournaments import webhooks

    endpoint = webhooks.create_endpoint(actor=a, url="http://127.0.0.1:9/zqxmark-hook", tournament=live,
                                        description=f"{mark} hook")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, tournament=live, event_type="match.updated",
                                              error=f"{mark} refused")

    # A: a season (live + done), a promo code, a sanction in the live event, a private template.
    with capture(execute=True):
        season = seasons.create_season(actor=a, name=f"{mark} Season", game=game, slug="zqx-season",
                                       tournament_ids=[live.pk, done.pk])
    promo = promos.save_code(actor=a, promo=PromoCode(code="ZQXMARK10", tournament=paid, kind=PromoCode.Kind.PERCENT,
                                                      value=Decimal("10")))
    sanctioned = regs[3]
    sanction = sanctions.issue(actor=a, player=sanctioned.player, tournament=live, reason=f"{mark} sanction reason")
    # An administrator's global ban (of one of A's entrants): organizers never see it listed.
    sanctions.issue(actor=None, player=done_regs[1].player, kind="ban", reason=f"{mark} global ban")
    template = templates.save_as_template(live.pk, actor=a, name=f"{mark} Template", shared=False)

    # B: an event of their own, so their pages are not empty.
    own = make_tournament(b, game, name="Bob Own Cup", slug="bob-own")
    enter(own, 2)

    w.tournaments = {"live": live, "paid": paid, "team": team_event, "done": done, "br": br, "open": open_event}
    from tournaments.models import (Announcement, Match, Payment, Player, Registration, Season, Team, Tournament,
                                    TournamentTemplate, WebhookEndpoint)

    w.objects = {
        Tournament: live, Registration: regs[0], Match: match, Dispute: dispute, Announcement: announcement,
        Payment: payment, Player: regs[0].player, Team: team,
        Payout: Payout.objects.filter(tournament=done).order_by("pk").first(),
        WalletEntry: WalletEntry.objects.order_by("pk").first(),
        JobRun: JobRun.objects.filter(tournament_id=done.pk).order_by("pk").first(),
        Certificate: certificate, WebhookEndpoint: endpoint, WebhookDelivery: delivery,
        AuditLog: AuditLog.objects.filter(tournament=live).order_by("pk").first(),
        ImportJob: import_job, User: a, Season: season, PromoCode: promo, Sanction: sanction,
        TournamentTemplate: template,
    }
    w.extra = {"br_lobby": br_lobby, "import_job": import_job, "own": own, "custom_field": custom_field,
               "sanctioned": sanctioned}
    missing = [m.__name__ for m, obj in w.objects.items() if obj is None]
    assert not missing, f"world builder produced no object for {missing}"
    return w
