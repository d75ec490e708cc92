"""Treatment sessions in the pages: the form from a check, the record, the patient's sheet, lots, recalls,
and the clinic's details."""

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from catalog.products.models import Product, ProductForm
from catalog.treatments.models import TreatmentSession


def local_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")  # the test clinic's zone is the server's (UTC)


def session_form(setup, **overrides) -> dict:
    form = {
        "check": setup.check["id"],
        "patient": setup.patient["id"],
        "cocktail": setup.cocktail["id"],
        "version": 1,
        "performed_at": local_now(),
        "technique": "point-injection",
        "lot-0": setup.vial_lot["id"],
        "lot-1": setup.vitamin_lot["id"],
        "area-cheeks": "1.5",
        "area-neck": "0,5",
        "prepared_by": setup.practitioner_id,
        "administered_by": setup.practitioner_id,
        "second_checked_by": "",
        "consent_at": local_now(),
        "consent_information": "Risks, benefits and aftercare explained.",
        "observations": "",
        "immediate_reactions": "",
        "confirmed": "1",
    }
    form.update(overrides)
    return form


def test_a_session_is_recorded_from_the_check_and_its_sheet_printed(practitioner_pages, setup, db_session):
    page = practitioner_pages.get(f"/sessions/new?check={setup.check['id']}").get_data(as_text=True)
    assert "Record a treatment session" in page
    assert "XL-2291-A" in page and "VC 7781" in page  # the lots in stock for each component
    response = practitioner_pages.post("/sessions", session_form(setup))
    assert response.status_code == 303, response.get_data(as_text=True)
    record = practitioner_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "Treatment session 1 of 4" in record
    assert "Cheeks: 1.5 mL; Neck: 0.5 mL" in record
    assert "XL-2291-A" in record and "Risks, benefits and aftercare explained." in record
    session_id = db_session.query(TreatmentSession).one().id
    sheet = practitioner_pages.get(f"/sessions/{session_id}/sheet").get_data(as_text=True)
    assert "Your treatment" in sheet and "Session Patient" in sheet and "Backs of the hands" not in sheet
    assert "contraindicated" not in sheet.lower() and "check" not in sheet.lower().replace("checked", "")
    pdf = practitioner_pages.get(f"/sessions/{session_id}/sheet.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_signing_a_session_asks_first_then_records_it_when_confirmed(practitioner_pages, setup, db_session):
    page = practitioner_pages.get(f"/sessions/new?check={setup.check['id']}").get_data(as_text=True)
    assert 'data-confirm="Sign this record as given?' in page
    form = session_form(setup)
    del form["confirmed"]
    asked = practitioner_pages.post("/sessions", form)
    assert asked.status_code == 200 and "Sign this treatment session as given" in asked.get_data(as_text=True)
    assert db_session.query(TreatmentSession).count() == 0
    assert practitioner_pages.confirm(asked).status_code == 303
    assert db_session.query(TreatmentSession).count() == 1


def test_a_long_observation_is_refused_with_its_length_and_the_boxes_do_not_cut_it(
    practitioner_pages, setup, db_session
):
    page = practitioner_pages.get(f"/sessions/new?check={setup.check['id']}").get_data(as_text=True)
    for box in ("consent_information", "observations", "immediate_reactions"):
        tag = page[page.index(f'<textarea id="{box}"') :]
        assert "maxlength" not in tag[: tag.index(">")]
    response = practitioner_pages.post("/sessions", session_form(setup, observations="x" * 3000))
    assert response.status_code == 422
    assert "Up to 2,000 characters; this note has 3,000." in response.get_data(as_text=True)
    assert db_session.query(TreatmentSession).count() == 0


def test_a_refused_session_form_says_why_keeps_the_values_and_records_nothing(practitioner_pages, setup, db_session):
    response = practitioner_pages.post("/sessions", session_form(setup, **{"lot-1": "", "area-cheeks": "9"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was recorded." in page
    assert "Name the lot drawn for: Ascorbic acid" in page
    assert 'value="9"' in page
    assert db_session.query(TreatmentSession).count() == 0


def test_a_session_record_is_amended_from_its_page(practitioner_pages, setup, db_session):
    practitioner_pages.post("/sessions", session_form(setup))
    original = db_session.query(TreatmentSession).one()
    form = practitioner_pages.get(f"/sessions/{original.id}/amend").get_data(as_text=True)
    assert "never changes" in form and 'value="1.5"' in form
    response = practitioner_pages.post(
        f"/sessions/{original.id}/amend", session_form(setup, **{"area-neck": "", "reason": "Neck not treated."})
    )
    assert response.status_code == 303
    db_session.expire_all()
    amendment = db_session.query(TreatmentSession).filter(TreatmentSession.amends_id == original.id).one()
    assert amendment.areas == [{"area": "cheeks", "volume_ml": 1.5}]
    old_page = practitioner_pages.get(f"/sessions/{original.id}").get_data(as_text=True)
    assert f'amended by <a href="/sessions/{amendment.id}">session {amendment.id}</a>' in old_page


def test_lots_are_added_from_the_lots_page_and_a_duplicate_is_refused(practitioner_pages, setup):
    page = practitioner_pages.get("/lots").get_data(as_text=True)
    assert "XL-2291-A" in page and "VC 7781" in page
    added = practitioner_pages.post(
        "/lots", {"item": "product:xylocaine-1-multi-dose", "number": "XL-NEW-9", "expires_on": "2030-06-30"}
    )
    assert added.status_code == 303
    assert "XL-NEW-9" in practitioner_pages.get("/lots").get_data(as_text=True)
    duplicate = practitioner_pages.post(
        "/lots", {"item": "product:xylocaine-1-multi-dose", "number": "XL-NEW-9", "expires_on": "2030-06-30"}
    )
    assert duplicate.status_code == 422
    assert "Already recorded." in duplicate.get_data(as_text=True)
    # The same lot typed another way (case, spaces, hyphens) is the same lot.
    retyped = practitioner_pages.post(
        "/lots", {"item": "product:xylocaine-1-multi-dose", "number": "xl new 9", "expires_on": "2030-06-30"}
    )
    assert retyped.status_code == 422 and "Already recorded." in retyped.get_data(as_text=True)
    missing = practitioner_pages.post("/lots", {"item": "", "number": "X", "expires_on": ""})
    assert missing.status_code == 422


def test_the_recall_page_finds_the_patient_and_offers_a_csv(practitioner_pages, setup):
    practitioner_pages.post("/sessions", session_form(setup))
    page = practitioner_pages.get("/recalls?lot=vc-7781").get_data(as_text=True)
    assert "1 patient received lot vc-7781" in page and "Session Patient" in page
    csv = practitioner_pages.get("/recalls.csv?lot=vc-7781")
    assert csv.mimetype == "text/csv" and "Session Patient" in csv.get_data(as_text=True)
    assert "0 patients" in practitioner_pages.get("/recalls?lot=nothing-here").get_data(as_text=True)


def test_an_admin_sets_the_clinics_contact_time_zone_and_second_check(pages, clinic, db_session):
    from catalog.clinics.models import Clinic

    pages.sign_in(clinic.admin.email)
    details = {
        "name": clinic.clinic.name,
        "phone": "+33 1 23 45 67 89",
        "email": "accueil@clinique.test",
        "address": "1 rue de la Paix, Paris",
        "emergency_number": "15",
        "time_zone": "Europe/Paris",
        "requires_second_check": "on",
    }
    assert pages.post("/settings/clinic", details).status_code == 303
    db_session.expire_all()
    saved = db_session.get(Clinic, clinic.clinic.id)
    assert (saved.phone, saved.time_zone, saved.emergency_number, saved.requires_second_check) == (
        "+33 1 23 45 67 89",
        "Europe/Paris",
        "15",
        True,
    )
    refused = pages.post("/settings/clinic", {**details, "time_zone": "Mars/Olympus", "email": "not-an-email"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Choose a time zone from the list" in page and "Not an email address." in page
    db_session.expire_all()
    assert db_session.get(Clinic, clinic.clinic.id).time_zone == "Europe/Paris"


def test_a_practitioner_cannot_change_the_clinic_details(practitioner_pages):
    assert (
        practitioner_pages.post("/settings/clinic", {"name": "Taken over", "emergency_number": "112"}).status_code
        == 403
    )


def test_the_patients_timeline_shows_sessions_and_the_check_page_leads_to_one(practitioner_pages, setup):
    check_page = practitioner_pages.get(f"/checks/{setup.check['id']}").get_data(as_text=True)
    assert f'href="/sessions/new?check={setup.check["id"]}"' in check_page
    practitioner_pages.post("/sessions", session_form(setup))
    page = practitioner_pages.get(f"/patients/{setup.patient['id']}").get_data(as_text=True)
    assert "Treatment session 1 of 4: Radiance protocol, version 1" in page


def test_the_lots_form_offers_every_product_however_many(practitioner_pages, setup, db_session):
    label = db_session.scalars(select(Product.label_source)).first()
    db_session.add_all(
        Product(slug=f"zz-vial-{n:03}", name=f"Zz vial {n:03}", form=ProductForm.SINGLE_DOSE_VIAL, label_source=label)
        for n in range(120)
    )
    db_session.flush()
    page = practitioner_pages.get("/lots").get_data(as_text=True)
    offered = re.findall(r'<option value="product:([^"]+)"', page)
    assert len(offered) == db_session.scalar(select(func.count(Product.id))) > 100
    assert "zz-vial-119" in offered


def test_a_lot_of_an_ingredient_the_clinics_cocktails_use_can_be_added_from_the_page(practitioner_pages, setup):
    page = practitioner_pages.get("/lots").get_data(as_text=True)
    offered = re.findall(r'<option value="ingredient:([^"]+)"', page)
    # The set-up's cocktail holds ascorbic acid on its own: its solution's lots are recorded too.
    assert "ascorbic-acid" in offered
    added = practitioner_pages.post(
        "/lots", {"item": "ingredient:ascorbic-acid", "number": "VC-PAGE-1", "expires_on": "2030-01-31"}
    )
    assert added.status_code == 303
    assert "VC-PAGE-1" in practitioner_pages.get("/lots").get_data(as_text=True)


def test_a_session_time_in_the_future_is_refused_beside_the_time_not_the_technique(practitioner_pages, setup):
    response = practitioner_pages.post("/sessions", session_form(setup, performed_at="2999-01-01T10:00"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.index('id="performed_at-error"')
    assert page.index('id="performed_at"') < error < page.index('id="technique"')
    assert "In the future." in page[error : page.index("</small>", error)]
