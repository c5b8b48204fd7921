"""In-game ID formats: every format accepts its good examples (normalised) and explains the bad ones. No DB."""
import pytest
from django.core.exceptions import ValidationError

from tournaments.gameids import GAME_ID_FORMATS, validate_game_id

GOOD = {
    "riot_id": [("Zed#EUW1", "Zed#EUW1"), ("  Zed#EUW1  ", "Zed#EUW1"), ("Tenz#NA1", "Tenz#NA1"),
                ("Big Name 99#12345", "Big Name 99#12345"), ("Ünïcødé#ABC", "Ünïcødé#ABC")],
    "steam_id": [("76561198000000000", "76561198000000000"), (" 76561197960287930 ", "76561197960287930")],
    "mlbb_uid": [("123456789|2001", "123456789|2001"), ("123456789 (2001)", "123456789|2001"),
                 ("123456789(2001)", "123456789|2001"), ("123456789 / 2001", "123456789|2001"),
                 ("123456 | 123", "123456|123"), ("  123456789012|12345  ", "123456789012|12345")],
    "ea_id": [("Striker_99", "Striker_99"), ("abcde", "abcde"), ("a-b_c-d_e-f_g-h_i-j_", "a-b_c-d_e-f_g-h_i-j_")],
    "konami_id": [("123456789", "123456789"), ("123456789012", "123456789012"), (" 987654321 ", "987654321")],
    "mobile_uid": [("ShadowFox", "ShadowFox"), ("abc", "abc"), ("Shadow Fox 7", "Shadow Fox 7"), ("5123456789", "5123456789")],
}

BAD = {
    "riot_id": ["Zed", "Zed#", "#EUW1", "Z#EUW1", "Zed#EU", "Zed#EUW123", "Zed#EU-W", "Zed#EUW1#X",
                "ThisNameIsWayTooLong#EUW", ""],
    "steam_id": ["7656119800000000", "765611980000000000", "12345678901234567", "7656119800000000a", "STEAM_0:1:123"],
    "mlbb_uid": ["123456789", "12345|2001", "123456789|20", "123456789|200100", "abcdefghi|2001", "123456789 2001",
                 "1234567890123|2001"],
    "ea_id": ["abcd", "has space", "dot.name", "a" * 21, "ümlaut"],
    "konami_id": ["12345678", "1234567890123", "12345678a", "123 456 789", "-123456789"],
    "mobile_uid": ["ab", "a", "   ", "x" * 33, ""],
}


def test_every_format_is_covered():
    assert set(GOOD) == set(BAD) == set(GAME_ID_FORMATS)


@pytest.mark.parametrize("id_format, value, expected", [(f, v, e) for f, pairs in GOOD.items() for v, e in pairs])
def test_good_ids_are_accepted_and_normalised(id_format, value, expected):
    assert validate_game_id(id_format, value) == expected


@pytest.mark.parametrize("id_format, value", [(f, v) for f, values in BAD.items() for v in values])
def test_bad_ids_are_refused_with_the_format_and_an_example(id_format, value):
    spec = GAME_ID_FORMATS[id_format]
    with pytest.raises(ValidationError) as exc:
        validate_game_id(id_format, value)
    (message,) = exc.value.messages
    assert message == f"“{value}” is not a valid {spec.label}, e.g. {spec.example}."


@pytest.mark.parametrize("id_format", sorted(GAME_ID_FORMATS))
def test_each_example_is_itself_valid(id_format):
    example = GAME_ID_FORMATS[id_format].example
    assert validate_game_id(id_format, example) == example


def test_mlbb_server_in_brackets_is_normalised():
    assert validate_game_id("mlbb_uid", "123456789 (2001)") == "123456789|2001"


def test_none_is_treated_as_empty():
    with pytest.raises(ValidationError, match="is not a valid Konami ID"):
        validate_game_id("konami_id", None)


def test_unknown_format():
    with pytest.raises(ValidationError) as exc:
        validate_game_id("psn_id", "someone")
    assert exc.value.messages == ["Unknown player ID format “psn_id”."]
