"""Pre-treatment and aftercare advice for the treatment sheet, read from seed/advice.yaml."""

from functools import lru_cache
from pathlib import Path

import yaml
from marshmallow import Schema, fields, validate

from catalog.core.fields import code_field


class AdviceSchema(Schema):
    source = code_field(required=True)
    before = fields.List(
        fields.String(validate=validate.Length(1, 500)), required=True, validate=validate.Length(min=1)
    )
    after = fields.List(fields.String(validate=validate.Length(1, 500)), required=True, validate=validate.Length(min=1))


def load_advice(directory: str) -> dict:
    path = Path(directory) / "advice.yaml"
    return _load(str(path), path.stat().st_mtime)


@lru_cache(maxsize=4)
def _load(path: str, _modified: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        return AdviceSchema().load(yaml.safe_load(handle))
