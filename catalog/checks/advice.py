"""Advice for the patient's sheet and the practitioner's pre-treatment notes, read from seed/advice.yaml.

The general advice applies to every session; a technique or an indication may add lines of its
own. Each block names the source it paraphrases.
"""

from functools import lru_cache
from pathlib import Path

import yaml
from marshmallow import Schema, fields, validate

from catalog.core.fields import code_field

LINES = fields.List(fields.String(validate=validate.Length(1, 500)), load_default=list)


class AdviceBlockSchema(Schema):
    source = code_field(required=True)
    before = LINES
    after = LINES


class ReactionSchema(Schema):
    source = code_field(required=True)
    emergency = fields.List(
        fields.String(validate=validate.Length(1, 500)), required=True, validate=validate.Length(min=1)
    )


class AdviceSchema(Schema):
    general = fields.Nested(AdviceBlockSchema, required=True)
    techniques = fields.Dict(keys=code_field(), values=fields.Nested(AdviceBlockSchema), load_default=dict)
    indications = fields.Dict(keys=fields.String(), values=fields.Nested(AdviceBlockSchema), load_default=dict)
    reaction = fields.Nested(ReactionSchema, required=True)


def load_advice(directory: str) -> dict:
    path = Path(directory) / "advice.yaml"
    return _load(str(path), path.stat().st_mtime)


@lru_cache(maxsize=4)
def _load(path: str, _modified: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        return AdviceSchema().load(yaml.safe_load(handle))


def advice_for(advice: dict, *, technique: str, indication: str = "") -> dict:
    """The lines for one session: the general ones, then the technique's and the indication's.

    An indication matches by its code or, case-insensitively, by the version's indication text.
    """
    blocks = [advice["general"]]
    if technique in advice["techniques"]:
        blocks.append(advice["techniques"][technique])
    wanted = indication.strip().casefold()
    blocks.extend(block for key, block in advice["indications"].items() if wanted and key.casefold() == wanted)
    return {
        "before": [line for block in blocks for line in block["before"]],
        "after": [line for block in blocks for line in block["after"]],
        "sources": list(dict.fromkeys(block["source"] for block in blocks)),
        # The first block's source, for pages that name one.
        "source": blocks[0]["source"],
        "reaction": advice["reaction"],
    }
