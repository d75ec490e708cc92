"""The pages of a cocktail drawing from a product: its version, history, diff, check and sheet."""


def test_every_page_of_a_cocktail_with_a_product_shows_it(api, practitioner_pages):
    vial = {"product": "xylocaine-1-multi-dose", "volume_ml": 2}
    cocktail = api.post(
        "/api/v1/cocktails", json={"name": "Vial pages", "technique": "point-injection", "components": [vial]}
    ).json
    api.post(
        f"/api/v1/cocktails/{cocktail['id']}/versions",
        json={
            "components": [{**vial, "volume_ml": 3}, {"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}],
            "technique": "point-injection",
            "change_note": "More anaesthetic",
        },
        headers={"If-Match": 'W/"1"'},
    )
    base = f"/cocktails/{cocktail['id']}"
    version = practitioner_pages.get(f"{base}/versions/1").get_data(as_text=True)
    assert "(product)" in version and "Methylparaben" in version and "What the mix holds" in version
    diff = practitioner_pages.get(f"{base}/diff?from=1&to=2").get_data(as_text=True)
    assert "Xylocaine" in diff and "added" in diff
    assert practitioner_pages.get(f"{base}/versions").status_code == 200
    patient = api.post("/api/v1/patients", json={"reference": "PP-1", "display_name": "Pages patient"}).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]}).json
    page = practitioner_pages.get(f"/checks/{check['id']}")
    assert page.status_code == 200
    sheet = practitioner_pages.get(f"/checks/{check['id']}/sheet").get_data(as_text=True)
    assert "Xylocaine" in sheet and "Methylparaben" in sheet
    composer = practitioner_pages.get(f"{base}/compose").get_data(as_text=True)
    assert 'data-product="xylocaine-1-multi-dose"' in composer
