"""Channel prop merging and rejections (game_channels.props; docs/rest.md §6.5, docs/objects.md §9)."""

import pytest

from game_channels.props import channel_prop_rejections, merge_props, size_rejection

EXISTING = [("a", "1"), ("b", "2"), ("x[]", "1"), ("x[]", "2"), ("c", "3")]


# --- merge_props ---------------------------------------------------------------------------------


def test_a_scalar_is_replaced_in_place():
    assert merge_props(EXISTING, [("b", "20")]) == [("a", "1"), ("b", "20"), ("x[]", "1"), ("x[]", "2"), ("c", "3")]


def test_a_new_scalar_is_appended():
    assert merge_props(EXISTING, [("d", "4")]) == [*EXISTING, ("d", "4")]


def test_null_deletes_a_scalar():
    assert merge_props(EXISTING, [("b", None)]) == [("a", "1"), ("x[]", "1"), ("x[]", "2"), ("c", "3")]


def test_null_for_a_missing_key_changes_nothing():
    assert merge_props(EXISTING, [("zzz", None)]) == EXISTING


def test_an_array_key_sent_replaces_all_its_previous_values():
    assert merge_props(EXISTING, [("x[]", "3"), ("x[]", "4")]) == [
        ("a", "1"), ("b", "2"), ("c", "3"), ("x[]", "3"), ("x[]", "4"),
    ]


def test_an_array_value_sent_again_is_kept_once_and_not_repeated():
    assert merge_props(EXISTING, [("x[]", "2"), ("x[]", "2"), ("x[]", "5")]) == [
        ("a", "1"), ("b", "2"), ("c", "3"), ("x[]", "2"), ("x[]", "5"),
    ]


def test_an_array_key_sent_as_null_empties_it():
    assert merge_props(EXISTING, [("x[]", None)]) == [("a", "1"), ("b", "2"), ("c", "3")]


def test_an_array_key_not_sent_keeps_its_values():
    assert merge_props(EXISTING, [("y[]", "1")]) == [*EXISTING, ("y[]", "1")]


def test_updates_apply_in_order():
    assert merge_props([("a", "1")], [("a", "2"), ("a", "3")]) == [("a", "3")]
    assert merge_props([("a", "1")], [("a", None), ("a", "4")]) == [("a", "4")]
    assert merge_props([("a", "1")], [("a", "4"), ("a", None)]) == []


def test_merging_into_nothing_and_nothing_into_props():
    assert merge_props([], [("a", "1"), ("b", None), ("x[]", "1")]) == [("a", "1"), ("x[]", "1")]
    assert merge_props(EXISTING, []) == EXISTING


def test_the_existing_list_is_not_modified():
    existing = list(EXISTING)
    merge_props(existing, [("a", None), ("x[]", "9"), ("b", "7")])
    assert existing == EXISTING


# --- size_rejection ------------------------------------------------------------------------------


def test_sizes_at_the_limits_are_accepted():
    assert size_rejection("k" * 128, ["v" * 512]) is None
    assert size_rejection("x[]", ["v"] * 1000) is None
    assert size_rejection("k", []) is None


def test_a_key_over_128_characters():
    key = "k" * 129
    assert size_rejection(key, ["v"]) == {
        "key": key,
        "error": "PROP_KEY_TOO_LONG",
        "message": "Prop key length (129) exceeds 128 characters",
    }


def test_a_value_over_512_characters():
    assert size_rejection("k", ["ok", "v" * 513]) == {
        "key": "k",
        "error": "PROP_VALUE_TOO_LONG",
        "message": "Prop value length (513) exceeds 512 characters",
    }


def test_an_array_over_1000_items():
    assert size_rejection("x[]", ["v"] * 1001) == {
        "key": "x[]",
        "error": "PROP_ARRAY_TOO_LONG",
        "message": "Prop array length (1001) for key 'x[]' exceeds 1000 items",
    }


def test_only_array_keys_have_an_item_limit():
    assert size_rejection("x", ["v"] * 1001) is None


def test_the_key_is_checked_first_then_the_array_then_the_values():
    long_key = "k" * 127 + "[]"
    assert size_rejection(long_key, ["v" * 600] * 1001)["error"] == "PROP_KEY_TOO_LONG"
    assert size_rejection("x[]", ["v" * 600] * 1001)["error"] == "PROP_ARRAY_TOO_LONG"


# --- channel_prop_rejections ---------------------------------------------------------------------


def test_acceptable_props_have_no_rejections():
    assert channel_prop_rejections([("a", "1"), ("x[]", "1"), ("x[]", "2")], block_profanity=True) == []
    assert channel_prop_rejections([], block_profanity=True) == []


def test_values_of_one_key_are_counted_together():
    props = [("x[]", str(i)) for i in range(1001)] + [("ok", "1")]
    assert channel_prop_rejections(props, block_profanity=False) == [
        {"key": "x[]", "error": "PROP_ARRAY_TOO_LONG", "message": "Prop array length (1001) for key 'x[]' exceeds 1000 items"}
    ]


def test_one_rejection_per_key_in_order():
    props = [("b", "v" * 513), ("a", "1"), ("k" * 129, "1"), ("b", "v" * 600)]
    assert channel_prop_rejections(props, block_profanity=False) == [
        {"key": "b", "error": "PROP_VALUE_TOO_LONG", "message": "Prop value length (513) exceeds 512 characters"},
        {"key": "k" * 129, "error": "PROP_KEY_TOO_LONG", "message": "Prop key length (129) exceeds 128 characters"},
    ]


@pytest.mark.parametrize("block", [True, False])
def test_profanity_only_when_blocked_and_after_size_rejections(block):
    props = [("greeting", "hello"), ("bad", "you shit"), ("long", "v" * 513), ("also[]", "fine"), ("also[]", "fuck")]
    sizes = [{"key": "long", "error": "PROP_VALUE_TOO_LONG", "message": "Prop value length (513) exceeds 512 characters"}]
    profanity = [
        {"key": "bad", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"},
        {"key": "also[]", "error": "PROP_CONTAINS_PROFANITY", "message": "Prop value contains profanity"},
    ]
    assert channel_prop_rejections(props, block_profanity=block) == (sizes + profanity if block else sizes)
