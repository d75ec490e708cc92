"""The cocktail pages: composer, live check, versions, conflicts, checks and the treatment sheet."""

import re

import pytest


def composer_form(**overrides) -> dict:
    form = {
        "name": "Page mix",
        "technique": "point-injection",
        "indication": "Acne scars",
        "sessions": "4",
        "weeks_between_sessions": "2",
        "components-aaaa-ingredient": "sodium-hyaluronate-fermentation",
        "components-aaaa-concentration": "1",
        "components-aaaa-unit": "%",
        "components-bbbb-ingredient": "lidocaine-hydrochloride",
        "components-bbbb-concentration": "0.5",
        "components-bbbb-unit": "%",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
def cocktail_url(practitioner_pages):
    response = practitioner_pages.post("/cocktails/new", composer_form())
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.headers["Location"]


@pytest.fixture
def amide_patient(api):
    patient = api.post("/api/v1/patients", json={"reference": "AMIDE-1", "display_name": "Amide Allergic"}).json
    api.post(
        f"/api/v1/patients/{patient['id']}/allergies",
        json={"allergen": "amide-local-anaesthetics", "criticality": "high", "verification_status": "confirmed"},
    )
    return patient


def test_composing_saves_version_one_in_the_order_of_the_rows(practitioner_pages, cocktail_url):
    page = practitioner_pages.get(cocktail_url).get_data(as_text=True)
    assert "Page mix" in page and "Version 1" in page
    assert page.index("Sodium hyaluronate") < page.index("Lidocaine hydrochloride")
    assert "4 sessions, 2 weeks apart" in page


def test_a_bad_component_is_shown_on_its_row_and_the_form_is_kept(practitioner_pages):
    response = practitioner_pages.post(
        "/cocktails/new", composer_form(**{"components-bbbb-concentration": "-1", "name": "Kept name"})
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    row = page[page.index('id="row-bbbb"') :]
    row = row[: row.index("</tr>")]
    assert "Must be more than 0." in row
    assert 'value="Kept name"' in page
    assert 'id="row-aaaa"' in page


def test_no_components_is_refused(practitioner_pages):
    form = {k: v for k, v in composer_form().items() if not k.startswith("components-")}
    response = practitioner_pages.post("/cocktails/new", form)
    assert response.status_code == 422
    assert "1 to 30 components" in response.get_data(as_text=True)


def test_the_live_check_shows_the_critical_finding_for_the_chosen_patient(practitioner_pages, amide_patient):
    response = practitioner_pages.post(
        "/cocktails/composer/check", {**composer_form(), "patient": str(amide_patient["id"])}
    )
    page = response.get_data(as_text=True)
    assert "Contraindicated" in page
    path = re.findall(r"<span>([^<]+)</span>", page[page.index("finding-path") :])
    assert path == ["Lidocaine hydrochloride", "Lidocaine", "Amide local anaesthetics"]
    alone = practitioner_pages.post("/cocktails/composer/check", composer_form()).get_data(as_text=True)
    # No concentration data for these ingredients: never a bare "Clear", but what could not be checked.
    assert "composition only" in alone and "not checked" in alone and ">Clear<" not in alone
    incomplete = practitioner_pages.post(
        "/cocktails/composer/check", composer_form(**{"components-bbbb-concentration": ""})
    ).get_data(as_text=True)
    assert "Lidocaine hydrochloride: enter its concentration." in incomplete


def test_the_composer_adds_rows_for_catalogue_ingredients(practitioner_pages):
    options = practitioner_pages.get("/cocktails/composer/ingredients?ingredient_search=lidocaine").get_data(
        as_text=True
    )
    assert "Add Lidocaine hydrochloride" in options
    row = practitioner_pages.get("/cocktails/composer/row?ingredient=lidocaine-hydrochloride").get_data(as_text=True)
    assert re.search(r'name="components-[a-f0-9]{8}-concentration"', row)
    assert practitioner_pages.get("/cocktails/composer/row?ingredient=nothing").status_code == 404


def test_changing_the_composition_makes_version_two_and_the_diff_reads_well(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    form = composer_form(name=None, based_on="1", change_note="No anaesthetic", **{"components-bbbb-ingredient": None})
    form = {k: v for k, v in form.items() if not k.startswith("components-bbbb")}
    response = practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", form)
    assert response.status_code == 302
    history = practitioner_pages.get(f"/cocktails/{cocktail_id}/versions").get_data(as_text=True)
    assert "No anaesthetic" in history and "Version 2" in history
    diff = practitioner_pages.get(f"/cocktails/{cocktail_id}/diff?from=1&to=2").get_data(as_text=True)
    assert "removed</span> Lidocaine hydrochloride" in diff


def test_saving_on_a_stale_version_re_bases_keeping_both_changes(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    theirs = composer_form(name=None, based_on="1", change_note="Theirs", **{"components-aaaa-concentration": "1.5"})
    assert practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", theirs).status_code == 302
    mine = composer_form(name=None, based_on="1", change_note="Mine", **{"components-bbbb-concentration": "0.3"})
    response = practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", mine)
    assert response.status_code == 412
    page = response.get_data(as_text=True)
    assert "Someone saved version 2 while you were composing" in page
    assert "concentration 1 % → 1.5 %" in page
    assert 'value="1.5"' in page, "their change is taken"
    assert 'value="0.3"' in page, "my change is kept"
    assert "You both changed" not in page
    assert 'name="based_on" value="2"' in page, "saving again makes version 3 from version 2"
    form = {"csrf_token": practitioner_pages.csrf_token()}
    form.update(re.findall(r'name="(components-[a-f0-9]+-(?:ingredient|concentration))" value="([^"]*)"', page))
    form.update({key.replace("-ingredient", "-unit"): "%" for key in list(form) if key.endswith("-ingredient")})
    form.update(technique="point-injection", based_on="2", change_note="Mine, re-based")
    assert practitioner_pages.client.post(f"/cocktails/{cocktail_id}/compose", data=form).status_code == 302
    version = practitioner_pages.get(f"/cocktails/{cocktail_id}/versions/3").get_data(as_text=True)
    assert "1.5 %" in version and "0.3 %" in version


def test_a_clash_on_the_same_component_keeps_mine_and_names_it(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    theirs = composer_form(name=None, based_on="1", change_note="Theirs", **{"components-bbbb-concentration": "0.2"})
    practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", theirs)
    mine = composer_form(name=None, based_on="1", change_note="Mine", **{"components-bbbb-concentration": "0.4"})
    page = practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", mine).get_data(as_text=True)
    # Named as the practitioner knows it, not by its slug.
    assert "You both changed Lidocaine hydrochloride:" in page and "lidocaine-hydrochloride:" not in page
    assert 'value="0.4"' in page


def test_a_clash_on_a_field_names_the_field_by_its_label(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    theirs = composer_form(name=None, based_on="1", change_note="Theirs", technique="needle-free")
    practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", theirs)
    mine = composer_form(name=None, based_on="1", change_note="Mine", technique="microneedling-combination")
    page = practitioner_pages.post(f"/cocktails/{cocktail_id}/compose", mine).get_data(as_text=True)
    assert "You both changed technique:" in page


def test_revert_from_the_history(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    practitioner_pages.post(
        f"/cocktails/{cocktail_id}/compose",
        composer_form(name=None, based_on="1", change_note="Changed", technique="needle-free"),
    )
    response = practitioner_pages.post(
        f"/cocktails/{cocktail_id}/revert", {"revert_to": "1", "based_on": "2", "confirmed": "1"}
    )
    assert response.status_code == 303
    page = practitioner_pages.get(f"/cocktails/{cocktail_id}").get_data(as_text=True)
    assert "Version 3" in page and "Point injection" in page


def test_checking_recording_overriding_and_printing(practitioner_pages, cocktail_url, amide_patient):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    response = practitioner_pages.post(
        "/checks", {"cocktail": cocktail_id, "version": "1", "patient": str(amide_patient["id"])}
    )
    assert response.status_code == 303
    check_url = response.headers["Location"]
    page = practitioner_pages.get(check_url).get_data(as_text=True)
    assert "Contraindicated" in page and "Go ahead despite the critical finding" in page
    assert practitioner_pages.post(f"{check_url}/override", {"reason": " "}).status_code == 422
    assert (
        practitioner_pages.post(
            f"{check_url}/override", {"reason": "Patch test negative", "confirmed": "1"}
        ).status_code
        == 303
    )
    page = practitioner_pages.get(check_url).get_data(as_text=True)
    assert "Patch test negative" in page and "Go ahead despite" not in page
    sheet = practitioner_pages.get(f"{check_url}/sheet").get_data(as_text=True)
    assert "Pre-treatment summary" in sheet and "Aftercare" in sheet and "SPF 30" in sheet
    assert "Amide Allergic" in sheet and "Overridden by" in sheet
    patient_page = practitioner_pages.get(f"/patients/{amide_patient['id']}").get_data(as_text=True)
    assert "Page mix, version 1" in patient_page


def test_a_viewer_reads_cocktails_but_cannot_compose_or_check(pages, clinic, practitioner_pages, cocktail_url):
    viewer = type(pages)(pages.client.application.test_client())
    viewer.sign_in(clinic.viewer.email)
    assert viewer.get(cocktail_url).status_code == 200
    assert b"Change the composition" not in viewer.get(cocktail_url).data
    assert viewer.get("/cocktails/new").status_code == 403
    assert viewer.post("/cocktails/composer/check", composer_form()).status_code == 403


def test_a_refused_clone_or_revert_writes_nothing(practitioner_pages, api, client, clinics, clinic, api_as):
    from tests.factories import ingredient_entry

    curator = api_as(client, clinics.token(clinic.clinic, curator=True))
    entry = ingredient_entry(slug="drifting-unit", concentration={"unit": "%", "usual_min": 0.1, "usual_max": 1})
    curator.post("/api/v1/ingredients", json=entry)
    row = {
        "components-cccc-ingredient": "drifting-unit",
        "components-cccc-concentration": "0.5",
        "components-cccc-unit": "%",
    }
    url = practitioner_pages.post("/cocktails/new", {**composer_form(name="Drifting"), **row}).headers["Location"]
    cocktail_id = url.rstrip("/").split("/")[-1]
    practitioner_pages.post(
        f"/cocktails/{cocktail_id}/compose",
        {**composer_form(name=None, based_on="1", change_note="v2"), **row, "technique": "needle-free"},
    )
    curator.put("/api/v1/ingredients/drifting-unit", json={**entry, "concentration": {"unit": "IU/mL", "usual_max": 5}})

    clone = practitioner_pages.post(f"/cocktails/{cocktail_id}/clone", {"name": "Drifting copy"})
    assert clone.status_code == 303
    assert "Drifting copy" not in practitioner_pages.get("/cocktails").get_data(as_text=True)
    revert = practitioner_pages.post(
        f"/cocktails/{cocktail_id}/revert", {"revert_to": "1", "based_on": "2", "confirmed": "1"}
    )
    assert revert.status_code == 303
    assert api.get(f"/api/v1/cocktails/{cocktail_id}").json["current_version"] == 2
    assert "Not reverted" in practitioner_pages.get(f"/cocktails/{cocktail_id}/versions").get_data(as_text=True)


def test_rebase_takes_theirs_keeps_mine_and_names_clashes():
    from catalog.cocktails.rebase import rebase

    def composition(**rows):
        return {
            "technique": "point-injection",
            "indication": "",
            "protocol": {},
            "notes": "",
            "components": [
                {"ingredient": slug, "concentration": c, "unit": "%", "volume_ml": None} for slug, c in rows.items()
            ],
        }

    base = composition(a=1, b=1, c=1)
    theirs = {**composition(a=2, b=1, d=1), "notes": "theirs"}  # changed a, removed c, added d
    mine = {**composition(a=1, b=3, c=1, e=1), "technique": "needle-free"}  # changed b, added e
    merged, clashes = rebase(base=base, theirs=theirs, mine=mine)
    assert {c["ingredient"]: c["concentration"] for c in merged["components"]} == {"a": 2, "b": 3, "d": 1, "e": 1}
    assert (merged["technique"], merged["notes"], clashes) == ("needle-free", "theirs", [])
    _merged, clashes = rebase(base=base, theirs=composition(a=2, b=1, c=1), mine=composition(a=5, b=1, c=1))
    assert clashes == ["a"]


def test_settings_are_not_saved_over_someone_else_s_change(practitioner_pages, cocktail_url):
    cocktail_id = cocktail_url.rstrip("/").split("/")[-1]
    settings = f"/cocktails/{cocktail_id}/settings"
    assert practitioner_pages.post(settings, {"name": "Theirs", "original_name": "Page mix"}).status_code == 303
    response = practitioner_pages.post(settings, {"name": "Mine", "original_name": "Page mix"})
    assert response.status_code == 303
    page = practitioner_pages.get(cocktail_url).get_data(as_text=True)
    assert "Someone else changed the name meanwhile (it is now “Theirs”). Look, then try again." in page
    unchanged = practitioner_pages.post(settings, {"name": "Theirs", "original_name": "Theirs"})
    assert "Nothing to change." in practitioner_pages.get(unchanged.headers["Location"]).get_data(as_text=True)


def test_a_number_of_sessions_that_is_not_a_plain_number_is_refused_on_its_field(practitioner_pages):
    response = practitioner_pages.post("/cocktails/new", composer_form(sessions="²"))
    assert response.status_code == 422
    assert 'id="protocol_sessions-error"' in response.get_data(as_text=True)


def test_a_rows_catalogue_range_names_its_unit_once_with_each_figure(practitioner_pages):
    row = practitioner_pages.get("/cocktails/composer/row", query_string={"ingredient": "lidocaine-hydrochloride"})
    text = " ".join(row.get_data(as_text=True).split())
    # Lidocaine has a maximum and no usual range in the catalogue: no bare unit before it.
    assert "max 2 %" in text and "%; max" not in text
