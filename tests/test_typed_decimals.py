"""Decimals as people type them in a page's text box: a comma is a decimal mark, never dropped, never guessed."""

import pytest

from catalog.core.text import typed_decimal


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("0,5", "0.5"),
        (" 12,5 ", "12.5"),
        (",5", ".5"),
        ("0.5", "0.5"),
        ("0,500", "0.500"),  # a leading zero: a decimal, whatever the language
        ("1,25", "1.25"),
        ("1,000", "1,000"),  # one thousand or one: left as typed, and the schema refuses it
        ("12,500", "12,500"),
        ("1,2,3", "1,2,3"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_typed_decimal_is_read_as_meant_or_left_for_the_schema_to_refuse(typed, read):
    assert typed_decimal(typed) == read
