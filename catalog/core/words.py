"""Sentences a service writes in English, kept so that a page can say them in its own language.

Services answer in English (the JSON API's language). A message marked with `N_`, or made with
`phrase` from a template and its values, is extracted for translation (`make translations`), and
the page that shows it writes it again in the page's language (catalog.web.words).
"""


def N_(message: str) -> str:
    """Mark `message` for translation where it is written; it stays English until a page shows it."""
    return message


class Count(int):
    """A number in a sentence: grouped by thousands in English ("2,000"); a page groups it its language's way."""

    def __str__(self) -> str:
        return f"{int(self):,}"


class Phrase(str):
    """An English sentence made from a `template` and its `values`, which a page writes again in its language.

    A `str`, so that the API, logs and comparisons see the English sentence. A value that is itself a
    Phrase (a field's name, say) is translated too.
    """

    template: str
    values: dict

    def __new__(cls, template: str, values: dict):
        sentence = super().__new__(cls, template % values if values else template)
        sentence.template = template
        sentence.values = values
        return sentence

    def __reduce__(self):
        return Phrase, (self.template, self.values)


def phrase(template: str, **values) -> Phrase:
    """`template % values` (printf-style, named), kept apart for translation.

    phrase("This cocktail has no version %(number)s.", number=3)
    """
    return Phrase(template, values)
