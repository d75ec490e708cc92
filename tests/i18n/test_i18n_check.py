"""`make lint` fails on a French message that is missing, empty, fuzzy or stale (catalog.i18n_check)."""

from babel.messages.catalog import Catalog

from catalog import i18n_check


def template(*messages) -> Catalog:
    pot = Catalog()
    for message in messages:
        pot.add(message)
    return pot


def french(**translations) -> Catalog:
    po = Catalog(locale="fr")
    for message, translation in translations.items():
        po.add(message, translation)
    return po


def test_a_complete_catalogue_has_no_problem():
    assert i18n_check.problems(template("Search", "Cancel"), french(Search="Rechercher", Cancel="Annuler")) == []


def test_an_untranslated_message_is_named():
    assert i18n_check.problems(template("Search", "Cancel"), french(Search="Rechercher")) == ["untranslated: 'Cancel'"]


def test_an_empty_or_fuzzy_translation_is_a_problem():
    po = french(Search="", Cancel="Annuler")
    po.get("Cancel").flags.add("fuzzy")
    assert i18n_check.problems(template("Search", "Cancel"), po) == ["empty: 'Search'", "fuzzy: 'Cancel'"]


def test_a_stale_message_is_a_problem():
    po = french(Search="Rechercher", Gone="Parti")
    assert i18n_check.problems(template("Search"), po) == ["stale (no longer in the sources): 'Gone'"]


def test_a_plural_needs_every_form():
    pot = Catalog()
    pot.add(("%(num)d patient", "%(num)d patients"))
    po = Catalog(locale="fr")
    po.add(("%(num)d patient", "%(num)d patients"), ("%(num)d patient", ""))
    assert i18n_check.problems(pot, po) == ["empty: '%(num)d patient'"]


def test_the_french_catalogue_is_complete_and_compiled():
    assert i18n_check.check() == 0
