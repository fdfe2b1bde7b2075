"""A small English profanity check for the games' `blockPropsProfanity` setting (docs/objects.md §9).

Talo uses the `obscenity` package's English dataset. This is a deliberately small equivalent: a
list of common obscenities, matched per word after folding case, common letter substitutions
(`f*ck`-style masking is not attempted) and repeated letters. Roots match at the start of a word
("fucking", "shithead"); words that begin innocent ones ("ass" → "assess", "dick" → "dickens")
only match as whole words."""

import re

# Matched at the start of a word: no common English word begins with these.
_ROOTS = (
    "fuck", "fuk", "fvck", "phuck", "shit", "cunt", "bitch", "bastard", "whore", "slut", "dickhead",
    "cocksuck", "pussy", "motherfuck", "nigger", "nigga", "faggot", "wank", "twat", "bollock",
    "asshole", "arsehole", "jackass", "dumbass", "jizz", "blowjob", "handjob", "dildo", "porn",
    "rapist", "titty", "titties", "boobs", "piss", "douche",
)
# Matched only as whole words: innocent words or names begin with them (dickens, cockpit, …).
_WORDS = frozenset({"ass", "arse", "cum", "rape", "tit", "tits", "dick", "dicks", "cock", "cocks", "prick",
                    "pricks", "fag", "fags", "retard", "retards", "spunk"})
# Innocent words that begin with a root above.
_ALLOWED = frozenset({"shitake", "shiitake", "pissarro"})

_SUBSTITUTIONS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_WORD = re.compile(r"[a-z]+")
_REPEATS = re.compile(r"(.)\1+")


def _spellings(text):
    """Each word as written and with repeated letters squeezed to one ("shiiit" → "shit")."""
    for word in _WORD.findall(text.lower().translate(_SUBSTITUTIONS)):
        yield word
        yield _REPEATS.sub(r"\1", word)


def is_profane(text):
    for word in _spellings(text):
        if word in _ALLOWED:
            continue
        if word in _WORDS or word.startswith(_ROOTS):
            return True
    return False
