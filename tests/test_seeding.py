"""Loading seed/: idempotent, validated through the API's schemas, all or nothing."""

import shutil

import pytest
import yaml
from sqlalchemy import func, select

from catalog.extensions import db
from catalog.ingredients.models import Ingredient, IngredientReference
from catalog.seeding import SeedError, load_seed
from tests.conftest import SEED_DIRECTORY, make_test_app


@pytest.fixture
def seed_copy(tmp_path):
    """An editable copy of the real seed files."""
    directory = tmp_path / "seed"
    shutil.copytree(SEED_DIRECTORY, directory)
    return directory


@pytest.fixture
def empty_app(fresh_database_url):
    """An app on a freshly migrated, empty database of its own."""
    from flask_migrate import upgrade

    application = make_test_app(fresh_database_url())
    with application.app_context():
        upgrade()
        yield application
        db.session.remove()
        db.engine.dispose()


def test_the_real_seed_has_at_least_40_cited_ingredients(db_session):
    ingredients = db_session.scalar(select(func.count()).select_from(Ingredient))
    cited = db_session.scalar(select(func.count(func.distinct(IngredientReference.ingredient_id))))
    assert ingredients >= 40
    assert cited == ingredients


def test_loading_twice_changes_nothing(empty_app):
    first = load_seed(db.session, SEED_DIRECTORY)
    db.session.commit()
    stamps = dict(db.session.execute(select(Ingredient.slug, Ingredient.updated_at)).all())
    second = load_seed(db.session, SEED_DIRECTORY)
    db.session.commit()
    assert first["ingredients.yaml"]["created"] >= 40
    assert all(counts["created"] == counts["updated"] == 0 for counts in second.values())
    assert dict(db.session.execute(select(Ingredient.slug, Ingredient.updated_at)).all()) == stamps


def edit_entry(directory, slug, **changes):
    """Change one ingredient of a seed copy, as a curator editing the file would."""
    path = directory / "ingredients.yaml"
    entries = yaml.safe_load(path.read_text())
    entry = next(e for e in entries if e["slug"] == slug)
    entry.update(changes)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False))


def test_an_edited_entry_is_updated_and_only_it(empty_app, seed_copy):
    load_seed(db.session, seed_copy)
    db.session.commit()
    edit_entry(seed_copy, "ascorbic-acid", description="Edited for a test.")
    report = load_seed(db.session, seed_copy)
    assert report["ingredients.yaml"] == {
        "created": 0,
        "updated": 1,
        "unchanged": report["ingredients.yaml"]["unchanged"],
    }
    assert db.session.scalar(select(Ingredient.description).where(Ingredient.slug == "ascorbic-acid")) == (
        "Edited for a test."
    )


def test_the_seed_loads_through_the_cli(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "ingredients.yaml" in result.output


@pytest.mark.parametrize(
    ("field", "value"),
    [("cas_number", "50-81-8"), ("origin", "lunar"), ("frobnicate", "yes"), ("purposes", [])],
)
def test_a_bad_entry_names_file_entry_and_field_and_loads_nothing(empty_app, seed_copy, field, value):
    edit_entry(seed_copy, "ascorbic-acid", **{field: value})
    with pytest.raises(SeedError) as error:
        load_seed(db.session, seed_copy)
    message = str(error.value)
    assert "ingredients.yaml" in message and "ascorbic-acid" in message and field in message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ingredient)) == 0


def test_an_unknown_allergen_code_names_the_field(empty_app, seed_copy):
    path = seed_copy / "ingredients.yaml"
    path.write_text(
        path.read_text() + "\n- slug: extra\n  name: Extra\n  category: vitamin\n  origin: synthetic\n"
        "  purposes: [antioxidant]\n  allergens: [kryptonite]\n  description: x\n"
        "  references: [{source: cosing}]\n"
    )
    with pytest.raises(SeedError, match=r"ingredients.yaml.*'extra'.*allergens: Unknown code: kryptonite"):
        load_seed(db.session, seed_copy)


def test_a_cli_failure_says_nothing_changed(empty_app, seed_copy):
    (seed_copy / "categories.yaml").write_text("- code: Not A Code\n  name: x\n")
    result = empty_app.test_cli_runner().invoke(args=["seed", "--directory", str(seed_copy)])
    assert result.exit_code != 0
    assert "nothing changed" in result.output and "categories.yaml: entry 1" in result.output


def test_the_treatment_sheet_advice_file_is_valid_and_cites_a_known_source(app):
    from catalog.checks.advice import load_advice
    from catalog.vocabularies.models import Source

    advice = load_advice(str(SEED_DIRECTORY))
    assert advice["general"]["before"] and advice["general"]["after"] and advice["reaction"]["emergency"]
    blocks = [advice["general"], advice["reaction"], *advice["techniques"].values(), *advice["indications"].values()]
    with app.app_context():
        for block in blocks:
            assert db.session.get(Source, block["source"]) is not None, block["source"]


def test_advice_adds_a_techniques_and_an_indications_lines_to_the_general_ones():
    from catalog.checks.advice import advice_for

    block = {"source": "seed-article", "before": [], "after": []}
    advice = {
        "general": {**block, "after": ["General."]},
        "techniques": {"needle-free": {**block, "after": ["Jet."]}},
        "indications": {"acne-scars": {**block, "after": ["Scars."]}},
        "reaction": {"source": "nhs-anaphylaxis", "emergency": ["Call."]},
    }
    lines = advice_for(advice, technique="needle-free", indication="Acne-Scars")["after"]
    assert lines == ["General.", "Jet.", "Scars."]
    assert advice_for(advice, technique="point-injection", indication="hair loss")["after"] == ["General."]


def test_a_condition_caution_must_cite_a_known_source(tmp_path, fresh_database_url):
    directory = tmp_path / "seed"
    shutil.copytree(SEED_DIRECTORY, directory)
    conditions = yaml.safe_load((directory / "conditions.yaml").read_text())
    conditions[0]["caution_source"] = "no-such-source"
    (directory / "conditions.yaml").write_text(yaml.safe_dump(conditions))
    app = make_test_app(fresh_database_url())
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with pytest.raises(SeedError, match="caution_source"):
            load_seed(db.session, directory)
        db.session.rollback()
        db.engine.dispose()


def test_the_exported_catalogue_loads_back_unchanged(db_session, seed_copy, tmp_path, runner):
    from catalog.seeding import export_catalogue

    counts = export_catalogue(db_session, tmp_path / "export")
    assert counts["ingredients.yaml"] >= 40 and counts["allergens.yaml"] > 0
    for filename in counts:
        shutil.copy(tmp_path / "export" / filename, seed_copy / filename)
    report = load_seed(db_session, seed_copy)
    for filename in counts:
        assert report[filename]["created"] == 0 and report[filename]["updated"] == 0, filename


def test_the_export_command_writes_the_files(runner, db_session, tmp_path):
    result = runner.invoke(args=["catalogue", "export", "--directory", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "ingredients.yaml" in result.output
    assert (tmp_path / "out" / "ingredients.yaml").read_text().startswith("# Exported")


def test_the_real_catalogue_checks_out(runner, db_session):
    result = runner.invoke(args=["catalogue", "check"])
    assert result.exit_code == 0, result.output
    assert "checks out" in result.output


def test_the_catalogue_check_names_file_entry_and_field(seed_copy):
    from catalog.seeding import check_catalogue

    ingredients = yaml.safe_load((seed_copy / "ingredients.yaml").read_text())
    ingredients[0]["references"][0]["source"] = "nowhere"
    ingredients[0]["concentration"] = {"unit": "mg/mL", "usual_min": 5, "usual_max": 2}
    (seed_copy / "ingredients.yaml").write_text(yaml.safe_dump(ingredients, allow_unicode=True))
    conditions = yaml.safe_load((seed_copy / "conditions.yaml").read_text())
    conditions.append({"code": "silent-condition", "name": "Silent"})
    (seed_copy / "conditions.yaml").write_text(yaml.safe_dump(conditions, allow_unicode=True))
    problems = check_catalogue(seed_copy)
    slug = ingredients[0]["slug"]
    assert f"ingredients.yaml: {slug}: references: cites unknown source 'nowhere'" in problems
    assert f"ingredients.yaml: {slug}: concentration: not ordered min ≤ max ≤ maximum" in problems
    assert "conditions.yaml: silent-condition: can never produce a finding" in problems
