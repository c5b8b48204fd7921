"""The fast inserter writes exactly the rows bulk_create / bulk_create_with_history would."""
from decimal import Decimal

import pytest
from simple_history.utils import bulk_create_with_history

from tests.factories import enter
from tournaments.models import Payment, Player
from tournaments.services.bulk_insert import insert_with_history

pytestmark = pytest.mark.django_db

SKIP = {"id", "history_id", "history_date", "created_at", "updated_at", "submitted_at"}


def _row(obj):
    return {k: v for k, v in obj.__dict__.items() if not k.startswith("_") and k not in SKIP}


@pytest.mark.parametrize("model", [Player, Payment])
def test_same_rows_and_history_as_bulk_create_with_history(model, paid_tournament, organizer):
    (reg,) = enter(paid_tournament, 1)

    def make(tag):
        if model is Player:
            return [Player(display_name=f"{tag}{i}", email=f"{tag}{i}@x.com", game_ids={"efootball": "123456789"}) for i in range(3)]
        return [Payment(registration=reg, method="bkash", amount=Decimal("500.00"), currency="BDT", reference=f"{tag}{i}") for i in range(3)]

    ours = insert_with_history(model, make("a"), user=organizer, reason="import #1")
    theirs = bulk_create_with_history(make("a"), model, default_user=organizer, default_change_reason="import #1")
    for mine, ref in zip(ours, theirs):
        assert _row(model.objects.get(pk=mine.pk)) | {"reference": ""} == _row(model.objects.get(pk=ref.pk)) | {"reference": ""}
        h1, h2 = mine.history.get(), model.objects.get(pk=ref.pk).history.get()
        assert _row(h1) | {"reference": ""} == _row(h2) | {"reference": ""}
        assert h1.history_change_reason == "import #1" and h1.history_user == organizer and h1.history_type == "+"
