"""Settings: documented in the README, safe defaults, no placeholder secret in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `(MICCHECK_[A-Z_]+)` \|", README.read_text(), re.M))
    declared = {f"MICCHECK_{name.upper()}" for name in Settings.model_fields}
    assert declared - documented == set(), "settings missing from README's table"
    assert documented - declared == set(), "README documents settings that do not exist"


def test_every_setting_has_a_one_line_help() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and "\n" not in field.description, name


@pytest.mark.parametrize("secret", [None, "changeme", "secret", "  "])
def test_production_refuses_a_missing_or_placeholder_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key=secret)


def test_a_generated_secret_is_kept_beside_the_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}", secret_key=None)
    first = settings.resolved_secret_key()
    assert (tmp_path / ".miccheck-secret").read_text() == first
    assert Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}").resolved_secret_key() == first
