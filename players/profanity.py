"""A small English profanity check for the games' `blockPropsProfanity` setting (objects.md §9).

Talo uses the `obscenity` package's English dataset. This is a deliberately small equivalent: a
list of common obscenities, matched per word after folding case, common letter substitutions
(`f*ck`-style masking is not attempted) and repeated letters. Roots match at the start of a word
("fucking", "shithead"); short roots that occur inside innocent words ("ass" in "class") only
match a whole word."""

import re

# Matched at the start of a word: no common English word begins with these.
_ROOTS = (
    "fuck", "fuk", "fvck", "phuck", "shit", "cunt", "bitch", "bastard", "whore", "slut", "dick",
    "cock", "pussy", "motherfuck", "nigger", "nigga", "faggot", "fag", "wank", "twat", "bollock",
    "asshole", "arsehole", "jackass", "dumbass", "retard", "spunk", "jizz", "blowjob", "handjob",
    "dildo", "porn", "rapist", "tits", "titty", "titties", "boobs", "prick", "piss", "douche",
)
# Matched only as whole words.
_WORDS = frozenset({"ass", "arse", "cum", "rape", "tit"})
# Innocent words that begin with a root above.
_ALLOWED = frozenset({"cocktail", "cocktails", "cockpit", "cockpits", "cockroach", "cockroaches", "dickens",
                      "pricked", "prickly", "pissarro", "shitake", "shiitake", "fagin"})

_SUBSTITUTIONS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_WORD = re.compile(r"[a-z]+")
_REPEATS = re.compile(r"(.)\1{2,}")


def _words(text):
    folded = _REPEATS.sub(r"\1\1", text.lower().translate(_SUBSTITUTIONS))
    return _WORD.findall(folded)


def is_profane(text):
    for word in _words(text):
        if word in _ALLOWED:
            continue
        if word in _WORDS or word.startswith(_ROOTS):
            return True
    return False
