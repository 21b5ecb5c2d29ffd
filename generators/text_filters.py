"""Template filters for English that a plain `a {{ value }}` gets wrong ("a architect", "a Audi A4")."""

from __future__ import annotations

_SOUNDS_LIKE_CONSONANT = ("one", "uni", "use", "usu", "eu", "ur")


def with_article(noun: object, capital: bool = False) -> str:
    """'architect' -> 'an architect', 'monstera' -> 'a monstera', 'OnePlus 12' -> 'a OnePlus 12';
    capital=True starts a sentence ('An Audi A4') without lowercasing the noun.

    By spelling: a vowel letter takes "an", except the prefixes read with a consonant sound ("one", "uni"...).
    """
    text = str(noun)
    lower = text.lower()
    vowel = lower[:1] in ("a", "e", "i", "o", "u") and not lower.startswith(_SOUNDS_LIKE_CONSONANT)
    article = "an" if vowel else "a"
    return f"{article.capitalize() if capital else article} {text}"  # never the `capitalize` filter: it lowercases "Audi A4"
