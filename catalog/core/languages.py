"""The languages Mesocat speaks, by code: English (the source of every message) and French."""

LANGUAGES = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
