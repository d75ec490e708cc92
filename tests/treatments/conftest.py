"""A patient, a two-component cocktail (a product and an ingredient), its check and the lots drawn."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

VIAL = {"product": "xylocaine-1-multi-dose", "volume_ml": 1}
VITAMIN_C = {"ingredient": "ascorbic-acid", "concentration": 10, "unit": "mg/mL", "volume_ml": 2}


@dataclass
class Setup:
    patient: dict
    cocktail: dict
    check: dict
    vial_lot: dict
    vitamin_lot: dict
    practitioner_id: int

    def body(self, **overrides) -> dict:
        now = datetime.now(UTC).isoformat()
        body = {
            "patient": self.patient["id"],
            "cocktail": self.cocktail["id"],
            "version": 1,
            "check": self.check["id"],
            "performed_at": now,
            "areas": [{"area": "cheeks", "volume_ml": 1.5}, {"area": "forehead", "volume_ml": 0.5}],
            "lots": [{"position": 0, "lot": self.vial_lot["id"]}, {"position": 1, "lot": self.vitamin_lot["id"]}],
            "prepared_by": self.practitioner_id,
            "administered_by": self.practitioner_id,
            "consent": {"at": now, "information": "Benefits, risks, alternatives and aftercare explained."},
            "observations": "Good tolerance.",
        }
        body.update(overrides)
        return body


def add_lot(api, number: str, expires_on: str = "2099-12-31", **item) -> dict:
    response = api.post("/api/v1/lots", json={"number": number, "expires_on": expires_on, **item})
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def setup(api, clinic) -> Setup:
    patient = api.post(
        "/api/v1/patients", json={"reference": "TS-1", "display_name": "Session Patient", "birth_year": 1985}
    ).json
    api.patch(f"/api/v1/patients/{patient['id']}", json={"allergy_status": "no-known-allergies"})
    api.post(f"/api/v1/patients/{patient['id']}/weights", json={"kg": 64})
    cocktail = api.post(
        "/api/v1/cocktails",
        json={
            "name": "Radiance protocol",
            "technique": "point-injection",
            "indication": "skin quality",
            "protocol": {"sessions": 4, "weeks_between_sessions": 3},
            "components": [VIAL, VITAMIN_C],
        },
    ).json
    check = api.post("/api/v1/checks", json={"patient": patient["id"], "cocktail": cocktail["id"]})
    assert check.status_code == 201, check.json
    return Setup(
        patient=patient,
        cocktail=cocktail,
        check=check.json,
        vial_lot=add_lot(api, "XL-2291-A", product="xylocaine-1-multi-dose"),
        vitamin_lot=add_lot(api, "VC 7781", ingredient="ascorbic-acid"),
        practitioner_id=clinic.practitioner.id,
    )
