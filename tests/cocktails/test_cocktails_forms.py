"""The composer's and the cocktail pages' forms, taken apart for the API's schemas."""

from werkzeug.datastructures import MultiDict

from catalog.cocktails import forms


def test_rows_keep_the_page_order_and_numbers_are_left_as_typed():
    form = MultiDict(
        [
            ("components-bbbb-ingredient", "lidocaine-hydrochloride"),
            ("components-bbbb-concentration", " 0.5 "),
            ("components-aaaa-ingredient", "ascorbic-acid"),
            ("technique", "needle-free"),
            ("sessions", "4"),
            ("weeks_between_sessions", "²"),
        ]
    )
    rows = forms.component_rows(form)
    assert [row["key"] for row in rows] == ["bbbb", "aaaa"]
    data = forms.composition_input(form, rows)
    assert data["components"][0] == {
        "ingredient": "lidocaine-hydrochloride",
        "concentration": "0.5",
        "unit": "",
        "volume_ml": None,
    }
    assert data["protocol"] == {"sessions": 4, "weeks_between_sessions": "²"}, "the schema refuses what is not a number"


def test_schema_errors_are_split_between_the_form_and_its_rows():
    rows = [{"key": "aaaa"}, {"key": "bbbb"}]
    messages = {"components": {1: {"unit": ["Bad."]}, 7: ["Stray."]}, "technique": ["Required."]}
    general, by_row = forms.row_errors(messages, rows)
    assert by_row == {"bbbb": {"unit": ["Bad."]}}
    assert general == {"technique": ["Required."], "components": ["Stray."]}


def test_the_settings_form_sends_only_what_it_changed_with_what_it_showed():
    form = MultiDict(
        {"name": "New", "original_name": "Old", "description": "Same", "original_description": "Same", "status": "x"}
    )
    changes, seen = forms.settings_input(form)
    assert changes == {"name": "New", "status": "x"}
    assert seen == {"name": "Old"}, "a field sent without what it showed is not checked against a change meanwhile"


def test_a_composition_goes_back_into_the_composer_s_fields():
    composition = {
        "components": [{"ingredient": "ascorbic-acid", "concentration": 1.0, "unit": "%", "volume_ml": None}],
        "technique": "point-injection",
        "indication": "",
        "protocol": {"sessions": None, "weeks_between_sessions": 0},
        "notes": "",
    }
    [row] = forms.rows_from_composition(composition)
    assert (row["concentration"], row["volume_ml"]) == (1.0, "")  # the page writes the figure its own way
    values = forms.values_from_composition(composition)
    assert (values["sessions"], values["weeks_between_sessions"]) == ("", 0)
