"""Shortening text (digest.text): the one place stored fields, summaries and the email cut text."""

from __future__ import annotations

import pytest

from digest.text import first_sentence, sentences, shorten


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three four", 12, "one two…"),
        ("one two three four", 13, "one two…"),
        ("one two three four", 14, "one two three…"),  # the word that ends exactly at the room is kept
        ("Ports, harbours; and more", 15, "Ports, harbour…"),  # the last space is too early: cut mid-word
        ("Ports, harbours; and more", 18, "Ports, harbours…"),  # no dangling ";" before the ellipsis
        ("x" * 500, 300, "x" * 299 + "…"),  # one long word: cut mid-word rather than lose it all
        ("a " + "y" * 40, 20, "a " + "y" * 17 + "…"),
        ("anything", 0, ""),
        ("The ferryman 🚣\u200d♂️ rows on and on", 16, "The ferryman…"),  # no half an emoji sequence
        ("🚣\u200d♂️🚣\u200d♂️🚣\u200d♂️", 4, "🚣…"),  # one long "word": never a dangling joiner or selector
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= max(limit, 0)


def test_sentences_and_the_first_one() -> None:
    assert first_sentence("Mr. Smith went to Washington. Then home.") == "Mr. Smith went to Washington."
    assert first_sentence("The U.S. economy grew 3.2% in Q3. Markets rose.") == "The U.S. economy grew 3.2% in Q3."
    assert first_sentence("No full stop here") == "No full stop here"
    assert first_sentence("   ") == ""
    # "7." is not a sentence's end before lower case; "No." and initials are abbreviations
    assert sentences("It rose by 7. percent? No. J. R. Hartley wrote it.") == ["It rose by 7. percent?",
                                                                           "No. J. R. Hartley wrote it."]  # fmt: skip
    assert sentences("“Stop!” she said. ‘Why?’ He left…  Later, calm.") == ["“Stop!” she said.", "‘Why?’", "He left…",
                                                                         "Later, calm."]  # fmt: skip
    arabic = "وصل الوفد إلى القاهرة. بدأت المفاوضات مساء الخميس."
    assert sentences(arabic) == ["وصل الوفد إلى القاهرة.", "بدأت المفاوضات مساء الخميس."]
    assert sentences("lower. case follows, so no split.") == ["lower. case follows, so no split."]
