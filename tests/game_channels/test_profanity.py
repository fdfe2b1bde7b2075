"""The small profanity check behind `blockPropsProfanity` (players/profanity.py)."""

import pytest

from players.profanity import is_profane


@pytest.mark.parametrize("text", ["fuck", "FUCKING hell", "sh1t", "shiiiit", "you dick", "motherfucker", "a$$hole"])
def test_profane(text):
    assert is_profane(text)


@pytest.mark.parametrize(
    "text", ["", "1234", "level 5", "class", "assess", "Dickens", "cockpit", "retardant", "Scunthorpe"]
)
def test_clean(text):
    assert not is_profane(text)
