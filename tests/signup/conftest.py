"""Sign-up fixtures: custom fields on a tournament, tiny real images, fresh rate limits."""
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import make_tournament
from tests.lobby.conftest import _clear_rate_limits
from tournaments.services import custom_fields


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    _clear_rate_limits()
    yield
    _clear_rate_limits()


def png_upload(name="shot.png", size=(4, 4)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def add_fields(tournament, actor):
    """One field of every type."""
    specs = [
        dict(label="Discord handle", kind="text", required=True, regex=r"[a-z0-9_.]{2,32}", min_value=2, max_value=32,
             help_text="lowercase, e.g. zed_99"),
        dict(label="Age", kind="number", required=True, min_value=Decimal("13"), max_value=Decimal("99")),
        dict(label="Shirt size", kind="dropdown", options=["S", "M", "L"]),
        dict(label="Accept the rules", kind="toggle", required=True),
        dict(label="Birth date", kind="date"),
        dict(label="Stream URL", kind="url"),
        dict(label="Rank screenshot", kind="media"),
    ]
    return [custom_fields.save_field(tournament.pk, actor=actor, order=i, **spec) for i, spec in enumerate(specs)]


GOOD = {"discord_handle": "zed_99", "age": "21", "shirt_size": "m", "accept_the_rules": "yes",
        "birth_date": "2003-04-05", "stream_url": "https://twitch.tv/zed"}


@pytest.fixture
def fielded(organizer, game):
    t = make_tournament(organizer, game, name="Field Cup", slug="field-cup", capacity=4)
    add_fields(t, organizer)
    return t


@pytest.fixture
def paid_fielded(organizer, game):
    t = make_tournament(organizer, game, name="Paid Field Cup", slug="paid-field-cup", entry_fee=Decimal("500"),
                        payment_methods=["bkash"])
    return t
