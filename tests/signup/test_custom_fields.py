"""Custom fields: every type's good and bad answers, field editing rules, register() enforcing them."""
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_player
from tournaments.models import AuditLog, CustomField, Registration
from tournaments.services import DomainError, custom_fields, registrations

from .conftest import GOOD, add_fields, png_upload

pytestmark = pytest.mark.django_db


def _field(**kw):
    kw.setdefault("key", "f")
    kw.setdefault("label", "F")
    return CustomField(**kw)


@pytest.mark.parametrize("kind,extra,good,stored", [
    ("text", {"regex": r"[A-Z]{3}\d", "max_value": Decimal("4")}, "ABC1", "ABC1"),
    ("number", {"min_value": Decimal("1"), "max_value": Decimal("10")}, "7", "7"),
    ("number", {}, "2.50", "2.50"),
    ("dropdown", {"options": ["S", "M", "L"]}, "l", "L"),
    ("toggle", {}, "yes", True),
    ("toggle", {}, False, False),
    ("date", {}, "2024-02-29", "2024-02-29"),
    ("url", {}, "https://example.com/x?y=1", "https://example.com/x?y=1"),
])
def test_good_answers(kind, extra, good, stored):
    assert custom_fields.clean_value(_field(kind=kind, **extra), good) == stored


@pytest.mark.parametrize("kind,extra,bad,message", [
    ("text", {"regex": r"[A-Z]{3}\d"}, "abc1", "expected format"),
    ("text", {"max_value": Decimal("3")}, "abcd", "At most 3 characters"),
    ("text", {"min_value": Decimal("3")}, "ab", "At least 3 characters"),
    ("text", {"required": True}, "  ", "required"),
    ("number", {}, "ten", "Enter a number"),
    ("number", {}, "NaN", "Enter a number"),
    ("number", {"min_value": Decimal("13")}, "12", "smallest allowed value is 13"),
    ("number", {"max_value": Decimal("99")}, "100", "largest allowed value is 99"),
    ("dropdown", {"options": ["S", "M"]}, "XL", "Choose one of: S, M"),
    ("toggle", {}, "maybe", "yes or no"),
    ("toggle", {"required": True}, "no", "must be ticked"),
    ("date", {}, "2023-02-30", "YYYY-MM-DD"),
    ("date", {}, "05/04/2003", "YYYY-MM-DD"),
    ("url", {}, "javascript:alert(1)", "https://"),
    ("url", {}, "not a url", "https://"),
    ("media", {}, "answers/0/../../etc/passwd", "Upload an image"),
])
def test_bad_answers(kind, extra, bad, message):
    with pytest.raises(Exception) as exc:
        custom_fields.clean_value(_field(kind=kind, **extra), bad)
    assert message in " ".join(exc.value.messages)


def test_media_answers_are_checked_and_stored(fielded):
    field = CustomField.objects.get(tournament=fielded, key="rank_screenshot")
    path = custom_fields.clean_value(field, png_upload(), tournament_id=fielded.pk)
    assert path.startswith(f"answers/{fielded.pk}/") and path.endswith(".png") and default_storage.exists(path)
    assert custom_fields.clean_value(field, path, tournament_id=fielded.pk) == path  # kept on re-validation
    with pytest.raises(Exception) as exc:
        custom_fields.clean_value(field, path, tournament_id=fielded.pk + 1)  # another tournament's file
    assert "Upload an image" in " ".join(exc.value.messages)
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(Exception) as exc:
        custom_fields.clean_value(field, fake, tournament_id=fielded.pk)
    assert "not a PNG, JPEG" in " ".join(exc.value.messages)
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/png")
    with pytest.raises(Exception) as exc:
        custom_fields.clean_value(field, big, tournament_id=fielded.pk)
    assert "limit is 5 MB" in " ".join(exc.value.messages)


def test_validate_answers_lists_every_problem_by_field(fielded):
    with pytest.raises(DomainError) as exc:
        custom_fields.validate_answers(fielded, {"discord_handle": "X", "age": "9", "shirt_size": "XXL"})
    fields = exc.value.details["fields"]
    assert set(fields) == {"discord_handle", "age", "shirt_size", "accept_the_rules"}
    assert "Discord handle:" in exc.value.message and "Age:" in exc.value.message


def test_register_validates_and_cleans_answers(fielded):
    player = make_player()
    with pytest.raises(DomainError) as exc:
        registrations.register(fielded, player=player, answers={**GOOD, "age": "12"})
    assert exc.value.details["fields"] == {"age": "The smallest allowed value is 13."}
    assert not Registration.objects.filter(player=player).exists()
    reg = registrations.register(fielded, player=player, answers={**GOOD, "rank_screenshot": png_upload()})
    assert reg.answers["shirt_size"] == "M" and reg.answers["accept_the_rules"] is True
    assert reg.answers["rank_screenshot"].startswith(f"answers/{fielded.pk}/")


def test_no_file_is_stored_when_another_answer_is_wrong(fielded, settings):
    player = make_player()
    with pytest.raises(DomainError):
        registrations.register(fielded, player=player, answers={**GOOD, "age": "7", "rank_screenshot": png_upload()})
    root = settings.MEDIA_ROOT / "answers"
    assert not root.exists() or not any(root.rglob("*.png"))


def test_field_rules_and_audit(fielded, organizer, other_organizer):
    with pytest.raises(DomainError, match="already has a field with the key"):
        custom_fields.save_field(fielded.pk, actor=organizer, label="Age", kind="number")
    with pytest.raises(DomainError, match="dropdown needs a list"):
        custom_fields.save_field(fielded.pk, actor=organizer, label="Team colour", kind="dropdown")
    with pytest.raises(DomainError, match="Not a valid pattern"):
        custom_fields.save_field(fielded.pk, actor=organizer, label="Code", kind="text", regex="([")
    with pytest.raises(DomainError, match="maximum must not be below"):
        custom_fields.save_field(fielded.pk, actor=organizer, label="Height", kind="number", min_value=5, max_value=1)
    with pytest.raises(DomainError, match="not allowed"):
        custom_fields.save_field(fielded.pk, actor=other_organizer, label="Sneaky", kind="text")
    age = CustomField.objects.get(tournament=fielded, key="age")
    registrations.register(fielded, player=make_player(), answers=GOOD)
    with pytest.raises(DomainError, match="its key stays"):
        custom_fields.save_field(fielded.pk, actor=organizer, field_id=age.pk, key="years")
    custom_fields.save_field(fielded.pk, actor=organizer, field_id=age.pk, label="Your age")  # label may change
    assert AuditLog.objects.filter(action="custom_field.save", tournament=fielded).count() == 8


def test_update_answers_by_staff(fielded, organizer, other_organizer):
    reg = registrations.register(fielded, player=make_player(), answers=GOOD)
    with pytest.raises(DomainError, match="Age"):
        custom_fields.update_answers(reg.pk, actor=organizer, answers={**GOOD, "age": "300"})
    with pytest.raises(DomainError, match="not allowed"):
        custom_fields.update_answers(reg.pk, actor=other_organizer, answers={**GOOD, "age": "30"})
    custom_fields.update_answers(reg.pk, actor=organizer, answers={**GOOD, "age": "30"})
    reg.refresh_from_db()
    assert reg.answers["age"] == "30"
    assert AuditLog.objects.filter(action="registration.answers", target_id=str(reg.pk)).exists()


def test_by_label_maps_headers(fielded):
    answers, columns = custom_fields.by_label(fielded, {"Shirt Size": "L", "discord_handle": "zed", "Other": "x"})
    assert answers == {"shirt_size": "L", "discord_handle": "zed", "Other": "x"}
    assert columns["shirt_size"] == "Shirt Size"


def test_add_fields_helper_covers_every_kind(organizer, game):
    from tests.factories import make_tournament

    t = make_tournament(organizer, game, slug="all-kinds")
    kinds = {f.kind for f in add_fields(t, organizer)}
    assert kinds == set(CustomField.Kind.values)
