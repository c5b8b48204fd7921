"""Demo data for `make run`: nine games, demo logins, tournaments at every stage of an event, a full
event with an ordered waitlist and a shared tournament template.

Built through the services (so the demo has the same history and audit trail as a real event) and
idempotent: running it again changes nothing.
"""
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .models import Game, Match, Player, Registration, Tournament, TournamentTemplate
from .roles import CHECKIN_STAFF, MODERATORS, ORGANIZERS, ensure_role_groups
from .services import announcements, brackets, lobby_access, matches, payments, registrations, setup, templates, tournaments as tournament_services

GAMES = [
    # name, slug, team size, subs, id format, result type, BR points, per kill
    ("Valorant", "valorant", 5, 2, "riot_id", "map_score", [], 0),
    ("Counter-Strike 2", "cs2", 5, 2, "steam_id", "map_score", [], 0),
    ("Dota 2", "dota2", 5, 2, "steam_id", "best_of", [], 0),
    ("eFootball", "efootball", 1, 0, "konami_id", "map_score", [], 0),
    ("EA Sports FC 26", "ea-fc-26", 1, 0, "ea_id", "map_score", [], 0),
    ("Mobile Legends: Bang Bang", "mlbb", 5, 2, "mlbb_uid", "best_of", [], 0),
    ("Call of Duty: Mobile", "codm", 5, 2, "mobile_uid", "map_score", [], 0),
    ("Free Fire", "free-fire", 4, 1, "mobile_uid", "points", [12, 9, 7, 5, 4, 3, 2, 1], 1),
    ("PUBG Mobile", "pubg-mobile", 4, 1, "mobile_uid", "points", [12, 9, 7, 5, 4, 3, 2, 1], 1),
]

# name, tag — several scripts on purpose: the product must show (and later print) every one of them.
TEAM_NAMES = [
    ("Dhaka Dynamos", "DHK"), ("Королевские Волки", "KVLK"), ("বাংলা টাইগার্স", "BTG"), ("Chittagong Chargers", "CTG"),
    ("東京ドラゴンズ", "TKD"), ("Sylhet Strikers", "SYL"), ("Nova Esports", "NOVA"), ("Rajshahi Royals", "RJR"),
    ("서울 피닉스", "SLP"), ("Team Ignite", "IGN"), ("Khulna Knights", "KHK"), ("Σπάρτη Gaming", "SPRT"),
]
PLAYER_NAMES = [
    "Rafiq Ahmed", "Nusrat Jahan", "Алексей Смирнов", "তানভীর হাসান", "Sakib Hasan", "Yuki Tanaka", "Fatima Noor",
    "Дмитрий Орлов", "মাহমুদ করিম", "Arif Chowdhury", "김민준", "Liam O'Brien", "Sadia Islam", "Νίκος Παππάς",
    "Imran Kabir", "Priya Sen",
]

DEMO_USERS = [
    # username, password, superuser, group
    ("admin", "admin", True, None),
    ("alice", "alice", False, ORGANIZERS),
    ("bob", "bob", False, ORGANIZERS),
    ("mod", "mod", False, MODERATORS),
    ("checkin", "checkin", False, CHECKIN_STAFF),
]


def _users():
    groups = ensure_role_groups()
    users = {}
    for username, password, superuser, group in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={
            "is_staff": True, "is_superuser": superuser, "email": f"{username}@example.com"})
        if created:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(groups[group])
        users[username] = user
    return users


def _games():
    games = {}
    for name, slug, size, subs, id_format, result_type, points, per_kill in GAMES:
        games[slug], _ = Game.objects.get_or_create(slug=slug, defaults=dict(
            name=name, team_size=size, max_substitutes=subs, id_format=id_format, result_type=result_type,
            br_points_table=points, br_points_per_kill=per_kill))
    return games


def _solo_players(game, count, offset=0):
    players = []
    for i in range(count):
        name = PLAYER_NAMES[(i + offset) % len(PLAYER_NAMES)]
        display = name if i + offset < len(PLAYER_NAMES) else f"{name} {i + offset}"
        email = f"player{i + offset}@example.com"
        player = Player.objects.filter(email=email).first() or setup.create_player(
            actor=None, display_name=display, email=email, game_ids={game.slug: f"{123456789 + i + offset}"})
        players.append(player)
    return players


def _teams(game, count):
    teams = []
    for i in range(count):
        name, tag = TEAM_NAMES[i % len(TEAM_NAMES)]
        existing = game.teams.filter(tag=tag).first()
        if existing:
            teams.append(existing)
            continue
        captain = setup.create_player(actor=None, display_name=f"{name} Captain", email=f"captain.{tag.lower()}@example.com",
                                      game_ids={game.slug: f"{name.split()[0][:10]}#{tag[:5]}" if game.id_format == "riot_id" else "Captain" + tag})
        teams.append(setup.create_team(actor=None, game=game, name=name, tag=tag, captain=captain))
    return teams


def _tournament(slug, organizer, game, **fields):
    existing = Tournament.objects.filter(slug=slug).first()
    if existing:
        return existing, False
    return setup.create_tournament(actor=organizer, organizer=organizer, slug=slug, game=game, **fields), True


def _lobby_links(links: dict | None) -> None:
    """A private lobby link for every demo registration that has none yet (idempotent). The raw
    token exists only now, so ``links`` receives one per live tournament, for the person trying the
    demo: {slug: (display name, join path)}."""
    demo_slugs = ["dhaka-valorant-cup", "efootball-weekly-42", "pubg-mobile-showdown", "cs2-autumn-open"]
    regs = (Registration.objects.filter(tournament__slug__in=demo_slugs).exclude(status__in=[
        Registration.Status.REJECTED, Registration.Status.CANCELLED]).select_related("tournament", "player", "team").order_by("pk"))
    open_matches = Match.objects.filter(tournament__slug__in=demo_slugs, status__in=Match.REPORTABLE,
                                        slot_a__isnull=False, slot_b__isnull=False)
    playing = set(open_matches.values_list("slot_a_id", flat=True)) | set(open_matches.values_list("slot_b_id", flat=True))
    for reg in regs:
        token = lobby_access.ensure_link(reg.pk, actor=None)
        if token is None or links is None or reg.tournament.status != Tournament.Status.LIVE:
            continue
        current = links.get(reg.tournament.slug)
        if current is None or (reg.pk in playing and not current[2]):
            links[reg.tournament.slug] = (reg.display_name, lobby_access.join_path(token), reg.pk in playing)


def _signup_settings(cup, alice) -> None:
    """Sign-up questions and a promo code on the open tournament (issue 8); each created once."""
    from .models import CustomField, PromoCode
    from .services import custom_fields, promos

    questions = [
        dict(label="Discord handle", kind="text", required=True, regex=r"[a-z0-9_.]{2,32}", max_value=Decimal("32"),
             help_text="Lowercase, as in Discord (e.g. zed_99); we invite you to the event server."),
        dict(label="Region", kind="dropdown", required=True, options=["Dhaka", "Chattogram", "Sylhet", "Other"]),
        dict(label="Average rank", kind="dropdown", options=["Iron–Silver", "Gold–Platinum", "Diamond+"]),
        dict(label="Stream link", kind="url", help_text="Optional: where you stream your matches."),
        dict(label="I accept the tournament rules", kind="toggle", required=True),
    ]
    if not CustomField.objects.filter(tournament=cup).exists():
        for order, spec in enumerate(questions):
            custom_fields.save_field(cup.pk, actor=alice, order=order, **spec)
    if not PromoCode.objects.filter(organizer=alice, code="EARLYBIRD").exists():
        promos.save_code(actor=alice, promo=PromoCode(code="EARLYBIRD", tournament=cup, kind=PromoCode.Kind.PERCENT,
                                                      value=Decimal("20"), max_uses=50, valid_until=cup.registration_closes_at))


@transaction.atomic
def seed_demo(lobby_links: dict | None = None) -> dict:
    users = _users()
    games = _games()
    now = timezone.now()
    alice, bob = users["alice"], users["bob"]

    # 1. Registration open, paid, with payments waiting for verification (alice).
    cup, created = _tournament(
        "dhaka-valorant-cup", alice, games["valorant"], name="Dhaka Valorant Cup", participation="team", capacity=16,
        format="double_elimination", best_of=3,
        registration_opens_at=now - timedelta(days=3), registration_closes_at=now + timedelta(days=4),
        check_in_opens_at=now + timedelta(days=5), check_in_closes_at=now + timedelta(days=5, hours=1),
        starts_at=now + timedelta(days=5, hours=2), entry_fee=Decimal("500"), entry_fee_currency="BDT",
        payment_methods=["bkash", "nagad"], prize_pool=Decimal("50000"), prize_distribution={"1": 50, "2": 30, "3": 20},
        requires_approval=False, description="Open bracket for Bangladesh's Valorant teams.")
    if created:
        tournament_services.open_registration(cup.pk, actor=alice)
        setup.add_staff(cup.pk, actor=alice, user=users["checkin"], role="checkin")
        for i, team in enumerate(_teams(games["valorant"], 10)):
            reg = registrations.register(cup, team=team, actor=None)
            if i < 7:
                payments.submit(reg.pk, actor=reg, method="bkash" if i % 2 else "nagad", amount="500", reference=f"TXN{8800 + i}")
            if i < 3:
                payments.verify(reg.payments.get().pk, actor=alice)
        announcements.post(cup.pk, actor=alice, title="Welcome to the Dhaka Valorant Cup", pinned=True,
                           body="Pay the entry fee with bKash or Nagad and enter the transaction ID.")

    _signup_settings(cup, alice)

    # 2. Live solo event with reported and disputed matches (alice, moderated by mod).
    league, created = _tournament(
        "efootball-weekly-42", alice, games["efootball"], name="eFootball Weekly #42", participation="solo", capacity=16,
        format="single_elimination", best_of=1, requires_approval=False,
        registration_opens_at=now - timedelta(days=7), registration_closes_at=now - timedelta(days=1),
        check_in_opens_at=now - timedelta(hours=3), check_in_closes_at=now + timedelta(hours=3),
        starts_at=now - timedelta(minutes=30), prize_pool=Decimal("10000"), prize_distribution={"1": 70, "2": 30})
    if created:
        tournament_services.open_registration(league.pk, actor=alice)
        setup.add_staff(league.pk, actor=alice, user=users["mod"], role="moderator")
        regs = [registrations.register(league, player=p, actor=alice) for p in _solo_players(games["efootball"], 8)]
        for reg in regs[:7]:
            from .services import checkin
            checkin.check_in(reg.pk, actor=alice)
        tournament_services.close_registration(league.pk, actor=alice)
        tournament_services.start(league.pk, actor=alice)
        stage = brackets.generate(league.pk, actor=alice)
        made = list(stage.matches.filter(round_number=1).order_by("position"))
        for i, match in enumerate(made):
            matches.reschedule(match.pk, actor=alice, new_time=now + timedelta(minutes=50 * (i + 1)))
        regs = {r.pk: r for r in regs}
        first = made[0]
        matches.override_score(first.pk, actor=alice, score_a=3, score_b=1, reason="Score entered from the referee sheet")
        reporter = regs[made[1].slot_a_id]
        matches.submit_result(made[1].pk, actor=reporter, score_a=2, score_b=1, evidence_url="https://example.com/shot1.png")
        matches.submit_result(made[2].pk, actor=regs[made[2].slot_a_id], score_a=4, score_b=2)
        matches.submit_result(made[2].pk, actor=regs[made[2].slot_b_id], score_a=2, score_b=4)
        matches.start(made[3].pk, actor=alice)
        announcements.post(league.pk, actor=alice, title="Round 1 is live", body="Report your score right after the match.")

    # 3. Completed event (bob).
    done, created = _tournament(
        "pubg-mobile-showdown", bob, games["pubg-mobile"], name="PUBG Mobile Showdown", participation="solo", capacity=8,
        format="single_elimination", requires_approval=True,
        registration_opens_at=now - timedelta(days=30), registration_closes_at=now - timedelta(days=21),
        starts_at=now - timedelta(days=20), ends_at=now - timedelta(days=19))
    if created:
        tournament_services.open_registration(done.pk, actor=bob)
        regs = [registrations.register(done, player=p, actor=bob) for p in _solo_players(games["pubg-mobile"], 4, offset=8)]
        registrations.bulk_approve([r.pk for r in regs], actor=bob)
        tournament_services.start(done.pk, actor=bob)
        stage = brackets.generate(done.pk, actor=bob)
        for key in ("WB1.1", "WB1.2", "WB2.1"):
            match = stage.matches.get(key=key)
            matches.override_score(match.pk, actor=bob, score_a=1, score_b=0, reason="Result from the lobby screenshot")
        # the last result completes the stage, records placements and completes the tournament

    # 3b. A season (bob) counting the completed event: standings, lobby table, ranked seeding.
    from .models import Season
    from .services import seasons

    if not Season.objects.filter(slug="pubg-mobile-circuit").exists():
        circuit = seasons.create_season(actor=bob, name="PUBG Mobile Circuit", slug="pubg-mobile-circuit",
                                        game=games["pubg-mobile"], tournament_ids=[done.pk], points_preset="battle_royale",
                                        tiebreaks=["wins", "best_placement", "head_to_head", "most_recent"])
        seasons.recompute(circuit.pk, actor=bob, reason="demo data")

    # 4. A draft (bob) to show set-up.
    _tournament("cs2-autumn-open", bob, games["cs2"], name="CS2 Autumn Open", participation="team", capacity=32,
                format="swiss", registration_opens_at=now + timedelta(days=10), registration_closes_at=now + timedelta(days=20),
                starts_at=now + timedelta(days=21))
    # 5. Registration open and full, with an ordered waitlist (alice), and a shared template of the cup.
    friday, created = _tournament(
        "fc26-friday-cup", alice, games["ea-fc-26"], name="FC 26 Friday Cup", participation="solo", capacity=8,
        format="single_elimination", requires_approval=False, bracket_required_to_start=True,
        registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=2),
        starts_at=now + timedelta(days=3), description="Eight places; the waitlist moves up when someone withdraws.")
    if created:
        tournament_services.open_registration(friday.pk, actor=alice)
        regs = [registrations.register(friday, player=p, actor=None) for p in _solo_players(games["ea-fc-26"], 11, offset=20)]
        registrations.move_in_waitlist(regs[-1].pk, actor=alice, position=1)  # a sponsor's player, moved up by hand
    if not TournamentTemplate.objects.filter(owner=alice, name="Valorant 16 teams, double elimination").exists():
        templates.save_as_template(cup.pk, actor=alice, name="Valorant 16 teams, double elimination", shared=True)

    _lobby_links(lobby_links)
    return {
        "tournaments": Tournament.objects.count(), "registrations": Registration.objects.count(),
        "matches": Match.objects.count(), "users": len(users),
    }
