"""Helpers shared by the pages' forms, which are validated by the API's marshmallow schemas."""


def flatten(messages: dict) -> dict[str, list[str]]:
    """Schema errors keyed by form field: nested `reaction.manifestation` becomes `reaction_manifestation`."""
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        if isinstance(value, dict):
            for inner, reasons in flatten(value).items():
                flat[f"{field}_{inner}"] = reasons
        else:
            flat[field] = value if isinstance(value, list) else [str(value)]
    return flat
