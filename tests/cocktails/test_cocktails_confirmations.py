"""Irreversible and clinical actions on cocktails and checks ask first, and work without JavaScript."""

from catalog.checks.models import Check
from catalog.cocktails.models import Cocktail
from tests.cocktails.test_cocktails_views import amide_patient, cocktail_url, composer_form  # noqa: F401


def _id(url: str) -> int:
    return int(url.rstrip("/").split("/")[-1])


def test_reverting_asks_first_then_reverts_when_confirmed(practitioner_pages, cocktail_url, db_session):  # noqa: F811
    cocktail_id = _id(cocktail_url)
    practitioner_pages.post(
        f"/cocktails/{cocktail_id}/compose",
        composer_form(name=None, based_on="1", change_note="Changed", technique="needle-free"),
    )
    history = practitioner_pages.get(f"/cocktails/{cocktail_id}/versions").get_data(as_text=True)
    assert 'data-confirm="Revert to version 1?' in history
    asked = practitioner_pages.post(f"/cocktails/{cocktail_id}/revert", {"revert_to": "1", "based_on": "2"})
    assert asked.status_code == 200
    assert "Revert “Page mix” to version 1" in asked.get_data(as_text=True)
    assert db_session.get(Cocktail, cocktail_id).current_version == 2
    done = practitioner_pages.confirm(asked)
    assert done.status_code == 303
    db_session.expire_all()
    assert db_session.get(Cocktail, cocktail_id).current_version == 3


def test_archiving_asks_first_renaming_does_not(practitioner_pages, cocktail_url, db_session):  # noqa: F811
    cocktail_id = _id(cocktail_url)
    settings = f"/cocktails/{cocktail_id}/settings"
    assert practitioner_pages.post(settings, {"name": "Renamed", "original_name": "Page mix"}).status_code == 303
    asked = practitioner_pages.post(settings, {"status": "archived", "original_status": "active"})
    assert asked.status_code == 200 and "Archive “Renamed”" in asked.get_data(as_text=True)
    assert db_session.get(Cocktail, cocktail_id).status.value == "active"
    assert practitioner_pages.confirm(asked).status_code == 303
    db_session.expire_all()
    assert db_session.get(Cocktail, cocktail_id).status.value == "archived"


def test_an_override_asks_first_restating_the_reason(practitioner_pages, cocktail_url, amide_patient, db_session):  # noqa: F811
    response = practitioner_pages.post(
        "/checks", {"cocktail": _id(cocktail_url), "version": "1", "patient": str(amide_patient["id"])}
    )
    check_url = response.headers["Location"]
    assert "data-confirm=" in practitioner_pages.get(check_url).get_data(as_text=True)
    asked = practitioner_pages.post(f"{check_url}/override", {"reason": "Patch test <b>negative</b>"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Record an override" in page
    assert "Patch test &lt;b&gt;negative&lt;/b&gt;" in page
    check = db_session.get(Check, _id(check_url))
    assert check.override is None
    assert practitioner_pages.confirm(asked).status_code == 303
    db_session.expire_all()
    assert db_session.get(Check, _id(check_url)).override.reason == "Patch test <b>negative</b>"
