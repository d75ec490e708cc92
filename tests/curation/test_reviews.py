"""Curators review catalogue entries against their sources; an edit after review shows; the check says
which components rest on unreviewed data."""

import pytest

from catalog.extensions import db
from catalog.seeding import load_seed
from tests.conftest import SEED_DIRECTORY
from tests.factories import ingredient_entry


@pytest.fixture
def curator(client, clinics, clinic, api_as):
    return api_as(client, clinics.token(clinic.clinic, scope="read-write", curator=True, name="Curator token"))


def cited_by(record: dict) -> list[str]:
    codes = [ref["source"]["code"] for ref in record["references"]]
    codes += [limit["source"]["code"] for limit in record["dose_limits"]]
    return list(dict.fromkeys(codes))


def test_the_seed_loads_every_entry_unreviewed(client):
    record = client.get("/api/v1/ingredients/ascorbic-acid").json
    assert record["review"] == {"state": "unreviewed", "reviewed_by": None, "reviewed_at": None, "sources": []}
    assert record["review_state"] == "unreviewed"
    counts = client.get("/api/v1/reviews").json["counts"]
    assert counts["ingredient"]["reviewed"] == counts["product"]["reviewed"] == counts["allergen"]["reviewed"] == 0
    assert counts["ingredient"]["unreviewed"] >= 80


def test_a_curator_reviews_an_ingredient_against_its_sources_and_it_is_audited(curator, client, auditor):
    record = client.get("/api/v1/ingredients/ascorbic-acid").json
    sources = cited_by(record)[:2]
    response = curator.post("/api/v1/ingredients/ascorbic-acid/review", json={"sources": sources})
    assert response.status_code == 200, response.json
    review = response.json["review"]
    assert (review["state"], review["sources"], review["reviewed_by"]["label"]) == (
        "reviewed",
        sources,
        "API token Curator token",
    )
    assert review["reviewed_at"]
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["review"] == review
    # The list summary says so too.
    summary = client.get("/api/v1/ingredients?q=ascorbic").json["items"][0]
    assert summary["review_state"] == "reviewed"
    trail = auditor.get("/api/v1/audit", query_string={"object_type": "ingredient", "object_id": "ascorbic-acid"})
    assert trail.json["items"][0]["action"] == "ingredient.reviewed"


@pytest.mark.parametrize(
    ("sources", "reason"),
    [(["pubchem-not-cited"], "Not cited by this entry"), ([], "Choose among the sources it cites")],
)
def test_a_review_names_sources_the_entry_cites_or_is_refused_and_nothing_is_written(
    curator, client, auditor, sources, reason
):
    response = curator.post("/api/v1/ingredients/ascorbic-acid/review", json={"sources": sources})
    assert response.status_code == 422
    assert reason in " ".join(response.json["errors"]["json"]["sources"])
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["review"]["state"] == "unreviewed"
    trail = auditor.get("/api/v1/audit", query_string={"object_type": "ingredient", "object_id": "ascorbic-acid"})
    assert not [e for e in trail.json["items"] if e["action"] == "ingredient.reviewed"]


def test_a_review_needs_a_curators_write_token(api, client, clinics, clinic, api_as):
    body = {"sources": ["cosing"]}
    assert api.post("/api/v1/ingredients/ascorbic-acid/review", json=body).status_code == 403
    assert api_as(client, None).post("/api/v1/ingredients/ascorbic-acid/review", json=body).status_code == 401
    reader = api_as(client, clinics.token(clinic.clinic, scope="read", curator=True))
    assert reader.post("/api/v1/products/xylocaine-mpf-1/review", json=body).status_code == 403


def test_unknown_entries_are_404(curator):
    assert curator.post("/api/v1/ingredients/no-such/review", json={"sources": []}).status_code == 404
    assert curator.post("/api/v1/products/no-such/review", json={"sources": []}).status_code == 404
    assert curator.post("/api/v1/allergens/no-such/review", json={"sources": []}).status_code == 404


def test_an_edit_after_review_shows_as_changed_and_listed_first_until_reviewed_again(curator, client):
    entry = ingredient_entry(slug="reviewed-then-edited", name="Reviewed then edited")
    curator.post("/api/v1/ingredients", json=entry)
    curator.post("/api/v1/ingredients/reviewed-then-edited/review", json={"sources": ["cosing"]})
    assert client.get("/api/v1/ingredients/reviewed-then-edited").json["review"]["state"] == "reviewed"

    edited = {k: v for k, v in entry.items() if k != "slug"} | {"description": "Now says something else."}
    assert curator.put("/api/v1/ingredients/reviewed-then-edited", json=edited).status_code == 200
    review = client.get("/api/v1/ingredients/reviewed-then-edited").json["review"]
    assert review["state"] == "changed-since-review"
    assert review["reviewed_by"]["label"] == "API token Curator token"  # who reviewed what it was
    listed = client.get("/api/v1/reviews").json["items"]
    assert listed[0]["key"] == "reviewed-then-edited"
    assert (listed[0]["kind"], listed[0]["state"]) == ("ingredient", "changed-since-review")
    assert listed[0]["href"] == "/api/v1/ingredients/reviewed-then-edited"

    # Put back as it was reviewed: the content is the reviewed content again.
    curator.put("/api/v1/ingredients/reviewed-then-edited", json={k: v for k, v in entry.items() if k != "slug"})
    assert client.get("/api/v1/ingredients/reviewed-then-edited").json["review"]["state"] == "reviewed"


def test_the_review_list_filters_by_state_and_kind(curator, client):
    curator.post("/api/v1/products/xylocaine-mpf-1/review", json={"sources": [product_label(client)]})
    reviewed = client.get("/api/v1/reviews?state=reviewed&kind=product").json
    assert [(item["kind"], item["key"]) for item in reviewed["items"]] == [("product", "xylocaine-mpf-1")]
    waiting = client.get("/api/v1/reviews?kind=product&page_size=200").json
    assert "xylocaine-mpf-1" not in {item["key"] for item in waiting["items"]}
    assert waiting["total"] == waiting["counts"]["product"]["unreviewed"]
    bad = client.get("/api/v1/reviews?state=nearly")
    assert bad.status_code == 422
    assert "state" in bad.json["errors"]["query"]


def product_label(client, slug: str = "xylocaine-mpf-1") -> str:
    return client.get(f"/api/v1/products/{slug}").json["label"]["code"]


def test_products_and_allergens_are_reviewed_against_what_they_cite(curator, client):
    label = product_label(client)
    product = curator.post("/api/v1/products/xylocaine-mpf-1/review", json={"sources": [label]})
    assert product.status_code == 200, product.json
    assert product.json["review"]["state"] == "reviewed"
    assert curator.post("/api/v1/products/xylocaine-mpf-1/review", json={"sources": ["cosing"]}).status_code == 422

    parabens = client.get("/api/v1/allergens/parabens").json
    cited = [parabens["cross_reactivity_source"]["code"]] if parabens["cross_reactivity_source"] else []
    cited += [link["source"]["code"] for link in parabens["cross_reactions"]]
    allergen = curator.post("/api/v1/allergens/parabens/review", json={"sources": cited[:1]})
    assert allergen.status_code == 200, allergen.json
    assert allergen.json["review"]["state"] == "reviewed"


def test_a_deploy_after_a_review_keeps_it(curator, client, app):
    sources = cited_by(client.get("/api/v1/ingredients/ascorbic-acid").json)[:1]
    curator.post("/api/v1/ingredients/ascorbic-acid/review", json={"sources": sources})
    report = load_seed(db.session, SEED_DIRECTORY)
    db.session.commit()
    assert report["ingredients.yaml"]["updated"] == 0
    assert client.get("/api/v1/ingredients/ascorbic-acid").json["review"]["state"] == "reviewed"


VITAMIN_C = {"ingredient": "ascorbic-acid", "concentration": 1, "unit": "%"}


def unchecked(api, patient_id: int, components: list[dict]) -> dict[str, dict]:
    response = api.post("/api/v1/checks", json={"patient": patient_id, "components": components})
    assert response.status_code == 200, response.json
    return {
        (gap["product"] or gap["ingredient"])["slug"]: gap
        for gap in response.json["unchecked"]
        if gap["kind"].startswith("unreviewed")
    }


def test_the_check_lists_components_resting_on_unreviewed_or_changed_entries(api, curator, client):
    patient = api.post("/api/v1/patients", json={"reference": "REV-1", "display_name": "Review patient"}).json
    gaps = unchecked(api, patient["id"], [VITAMIN_C])
    unreviewed = "Ascorbic acid (vitamin C): its catalogue entry has not been reviewed by a curator."
    assert gaps["ascorbic-acid"]["detail"] == unreviewed

    sources = cited_by(client.get("/api/v1/ingredients/ascorbic-acid").json)[:1]
    curator.post("/api/v1/ingredients/ascorbic-acid/review", json={"sources": sources})
    assert "ascorbic-acid" not in unchecked(api, patient["id"], [VITAMIN_C])

    record = client.get("/api/v1/ingredients/ascorbic-acid").json
    entry = {
        "name": record["name"],
        "category": record["category"]["code"],
        "origin": record["origin"],
        "purposes": [p["code"] for p in record["purposes"]],
        "allergens": [a["code"] for a in record["allergens"]],
        "description": record["description"] + " Edited.",
        "inci_name": record["inci_name"],
        "synonyms": record["synonyms"],
        "cas_number": record["cas_number"],
        "concentration": record["concentration"],
        "contraindications": [c["code"] for c in record["contraindications"]],
        "cautions": [c["code"] for c in record["cautions"]],
        "incompatibilities": [],
        "references": [{"source": r["source"]["code"], "supports": r["supports"]} for r in record["references"]],
    }
    assert curator.put("/api/v1/ingredients/ascorbic-acid", json=entry).status_code == 200, "edited after review"
    gap = unchecked(api, patient["id"], [VITAMIN_C])["ascorbic-acid"]
    assert gap["detail"] == "Ascorbic acid (vitamin C): its catalogue entry changed since a curator reviewed it."


def test_a_component_drawn_from_an_unreviewed_product_says_so(api, curator, client):
    patient = api.post("/api/v1/patients", json={"reference": "REV-2", "display_name": "Product patient"}).json
    drawn = [{"product": "xylocaine-1-multi-dose", "volume_ml": 1}]
    gap = unchecked(api, patient["id"], drawn)["xylocaine-1-multi-dose"]
    assert gap["kind"] == "unreviewed-product"
    assert "has not been reviewed" in gap["detail"]
    curator.post(
        "/api/v1/products/xylocaine-1-multi-dose/review",
        json={"sources": [product_label(client, "xylocaine-1-multi-dose")]},
    )
    assert "xylocaine-1-multi-dose" not in unchecked(api, patient["id"], drawn)


# --- Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def curator_pages(pages, clinics, clinic):
    person = clinics.practitioner(clinic.clinic, curator=True, name="Cora Curator")
    pages.sign_in(person.email)
    return pages


def test_a_curator_reviews_from_the_entry_page(curator_pages, client):
    page = curator_pages.get("/ingredients/ascorbic-acid").get_data(as_text=True)
    assert "Not reviewed" in page
    assert 'action="/curation/ingredient/ascorbic-acid/review"' in page
    sources = cited_by(client.get("/api/v1/ingredients/ascorbic-acid").json)
    response = curator_pages.post("/curation/ingredient/ascorbic-acid/review", {"sources": sources[:1]})
    assert response.status_code == 303
    after = curator_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marked reviewed" in after
    assert "Reviewed" in after and "by Cora Curator" in after


def test_a_refused_page_review_says_why_and_writes_nothing(curator_pages, client):
    response = curator_pages.post("/curation/product/xylocaine-mpf-1/review", {"sources": ["cosing"]})
    assert response.status_code == 303
    page = curator_pages.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not reviewed." in page and "Not cited by this entry: cosing." in page
    assert client.get("/api/v1/products/xylocaine-mpf-1").json["review"]["state"] == "unreviewed"


def test_practitioners_who_are_not_curators_see_the_state_but_cannot_review(practitioner_pages):
    page = practitioner_pages.get("/products/xylocaine-mpf-1").get_data(as_text=True)
    assert "Not reviewed" in page
    assert "/curation/product/xylocaine-mpf-1/review" not in page
    assert practitioner_pages.post("/curation/product/xylocaine-mpf-1/review", {"sources": []}).status_code == 403


def test_the_review_page_lists_what_waits_with_counts(curator_pages):
    page = curator_pages.get("/curation/reviews").get_data(as_text=True)
    assert "Catalogue review" in page
    assert "Not reviewed" in page and "Ascorbic acid" in page  # ingredients first
    products = curator_pages.get("/curation/reviews?kind=product").get_data(as_text=True)
    assert "Xylocaine" in products and "Amide local anaesthetics" not in products
    filtered = curator_pages.get("/curation/reviews?kind=allergen").get_data(as_text=True)
    assert "Amide local anaesthetics" in filtered and "Xylocaine" not in filtered
    assert curator_pages.get("/curation/reviews?kind=nothing").status_code == 400
