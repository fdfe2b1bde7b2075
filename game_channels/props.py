"""Prop limits and rejections (docs/objects.md §9) for channel props and channel storage."""

from players.profanity import is_profane

MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 512
MAX_ARRAY_LENGTH = 1000

PROP_KEY_TOO_LONG = "PROP_KEY_TOO_LONG"
PROP_VALUE_TOO_LONG = "PROP_VALUE_TOO_LONG"
PROP_ARRAY_TOO_LONG = "PROP_ARRAY_TOO_LONG"
PROP_CONTAINS_PROFANITY = "PROP_CONTAINS_PROFANITY"


def is_array_key(key):
    return key.endswith("[]")


def rejection(key, error, message):
    return {"key": key, "error": error, "message": message}


def key_too_long(key):
    return rejection(key, PROP_KEY_TOO_LONG, f"Prop key length ({len(key)}) exceeds {MAX_KEY_LENGTH} characters")


def value_too_long(key, value):
    return rejection(
        key, PROP_VALUE_TOO_LONG, f"Prop value length ({len(value)}) exceeds {MAX_VALUE_LENGTH} characters"
    )


def array_too_long(key, count):
    return rejection(
        key, PROP_ARRAY_TOO_LONG, f"Prop array length ({count}) for key '{key}' exceeds {MAX_ARRAY_LENGTH} items"
    )


def contains_profanity(key):
    return rejection(key, PROP_CONTAINS_PROFANITY, "Prop value contains profanity")


def size_rejection(key, values):
    """The size rejection of one key with its values, or None."""
    if len(key) > MAX_KEY_LENGTH:
        return key_too_long(key)
    if is_array_key(key) and len(values) > MAX_ARRAY_LENGTH:
        return array_too_long(key, len(values))
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            return value_too_long(key, value)
    return None


def channel_prop_rejections(props, *, block_profanity):
    """Rejections of a channel's complete prop list [(key, value)]: size rejections, then
    profanity ones; any rejection fails the whole create/update (docs/rest.md §6)."""
    grouped = {}
    for key, value in props:
        grouped.setdefault(key, []).append(value)
    rejected = [r for key, values in grouped.items() if (r := size_rejection(key, values)) is not None]
    if block_profanity:
        rejected += [contains_profanity(key) for key, values in grouped.items() if any(map(is_profane, values))]
    return rejected


def merge_props(existing, updates):
    """Channel prop merge (docs/rest.md §6.5): a scalar key is replaced in place or appended, `null`
    deletes it; an array key sent replaces all of that key's previous values."""
    sent_arrays = {key for key, _ in updates if is_array_key(key)}
    result = [(key, value) for key, value in existing if key not in sent_arrays]
    for key, value in updates:
        if is_array_key(key):
            if value is not None and (key, value) not in result:
                result.append((key, value))
        elif value is None:
            result = [(k, v) for k, v in result if k != key]
        else:
            index = next((i for i, (k, _) in enumerate(result) if k == key), None)
            if index is None:
                result.append((key, value))
            else:
                result[index] = (key, value)
    return result
