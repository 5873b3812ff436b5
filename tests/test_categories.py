from __future__ import annotations

import pytest

from toolshift.categories import ORDER, Category, category_of, parse_category, table
from toolshift.model import normalize_name


def test_table_has_a_few_hundred_normalised_unique_names() -> None:
    names = [n for names in table().values() for n in names]
    assert len(names) >= 250
    assert len(names) == len(set(names)), "a name is listed in two categories"
    assert all(normalize_name(n) == n for n in names)
    assert Category.OTHER not in table()


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Flask", Category.WEB_FRAMEWORK),
        ("fastapi", Category.WEB_FRAMEWORK),
        ("psycopg2_binary", Category.DATABASE),
        ("SQLAlchemy", Category.DATABASE),
        ("torch", Category.ML_AI),
        ("scikit.learn", Category.ML_AI),
        ("celery", Category.ASYNC),
        ("PyJWT", Category.AUTH_SECURITY),
        ("sentry-sdk", Category.MONITORING),
        ("pytest", Category.TESTING),
        ("pytest-some-new-plugin", Category.TESTING),
        ("ruff", Category.CODE_QUALITY),
        ("types-six", Category.CODE_QUALITY),
        ("httpx", Category.HTTP_CLIENT),
        ("pandas", Category.DATA),
        ("click", Category.CLI),
        ("pydantic", Category.SERIALIZATION),
        ("some-internal-lib", Category.OTHER),
    ],
)
def test_category_of(name: str, category: Category) -> None:
    assert category_of(name) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("web framework", Category.WEB_FRAMEWORK),
        ("ML/AI", Category.ML_AI),
        ("ml", Category.ML_AI),
        ("code_quality", Category.CODE_QUALITY),
        ("async/background", Category.ASYNC),
        ("auth", Category.AUTH_SECURITY),
        ("other", Category.OTHER),
        ("nonsense", None),
    ],
)
def test_parse_category(text: str, category: Category | None) -> None:
    assert parse_category(text) is category


def test_every_category_has_a_title_and_a_place_in_the_order() -> None:
    assert set(ORDER) == set(Category)
    assert all(c.heading for c in Category)
