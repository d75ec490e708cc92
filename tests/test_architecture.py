"""The import contract (.importlinter) holds, and it would catch an import against the grain."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(REPOSITORY / ".importlinter")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_of_catalog(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("static", "__pycache__")
    shutil.copytree(REPOSITORY / "catalog", tmp_path / "catalog", ignore=ignore)
    return tmp_path


def test_the_code_keeps_the_import_contract():
    result = lint_imports(REPOSITORY)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("allergens/service.py", "from catalog.ingredients import models", "Domains depend one way"),
        ("safety/check.py", "import sqlalchemy", "The safety check is pure Python"),
        ("cocktails/service.py", "from catalog.web import transactions", "never import the HTTP layer"),
        ("core/text.py", "from catalog.patients import models", "The core holds no domain"),
    ],
)
def test_an_import_against_the_grain_fails_the_lint(tmp_path, module, line, broken):
    root = copy_of_catalog(tmp_path)
    path = root / "catalog" / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout.replace("\n", " ")
