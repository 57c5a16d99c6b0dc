"""docs/sql.md cannot drift: every view in the warehouse is documented, with every column and an
example query that runs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storywatch.warehouse import connect_read_only
from storywatch.warehouse.sql import query_frame, view_columns
from tests.fixture_warehouse import build_fixture_warehouse

SQL_DOC = Path(__file__).resolve().parent.parent / "docs" / "sql.md"
ISSUE_VIEWS = {"story_facts", "story_causes", "weekly_brand_scores", "weekly_cause_scores",
               "competitor_gap"}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("docs")
    build_fixture_warehouse(workdir)
    con = connect_read_only(workdir)
    yield con
    con.close()


def sections() -> dict[str, str]:
    text = SQL_DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z_]+)`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def database_views(con) -> list[str]:
    return [row[0] for row in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
    ).fetchall()]


def test_every_view_in_the_database_is_documented(con):
    views = database_views(con)
    assert ISSUE_VIEWS <= set(views)
    missing = sorted(set(views) - set(sections()))
    assert not missing, f"docs/sql.md has no '## `view`' section for {missing}"


def test_every_column_is_documented_and_commented(con):
    documented = sections()
    for view in database_views(con):
        columns = view_columns(con, view)
        for column, comment in zip(columns["column_name"], columns["comment"], strict=True):
            assert f"| `{column}` |" in documented[view], f"docs/sql.md lacks {view}.{column}"
            assert isinstance(comment, str) and comment, f"{view}.{column} has no COMMENT ON"
        comment = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ?",
                              [view]).fetchone()[0]
        assert comment, f"view {view} has no COMMENT ON VIEW"


def test_every_view_has_an_example_that_runs(con):
    for view, text in sections().items():
        examples = re.findall(r"```sql\n(.*?)```", text, flags=re.DOTALL)
        assert examples, f"docs/sql.md has no example query for {view}"
        for example in examples:
            assert view in example
            assert len(query_frame(con, example)) > 0, example
