"""docs/architecture.md cannot drift: its story-record table is the one definition
(storywatch/story_record.py), and its warehouse tables are those of a freshly migrated DuckDB
file, column for column, in order."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from storywatch.story_record import FIELD_NAMES, FIELDS, REQUIRED_FIELDS
from storywatch.warehouse import reading, writing

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
RECORD_HEADER = "| field | type | required | notes |"
# In the doc's table list, this stands for the record's fields in their order.
RECORD_TOKEN = "story record"


def section(title_start: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    found = [part for part in parts if part.startswith(title_start)]
    assert len(found) == 1, f"docs/architecture.md has no single section '## {title_start}...'"
    return found[0]


def record_rows() -> list[tuple[str, ...]]:
    """The story-record table of the doc, as (field, type, required, notes) rows."""
    lines = section("The story record").splitlines()
    start = lines.index(RECORD_HEADER)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(tuple(cell.strip() for cell in line.strip().strip("|").split(" | ")))
    return rows


def documented_tables() -> dict[str, list[str]]:
    """`- \\`name (column, column, ...)\\``: each table of the doc's list with its columns."""
    tables = {}
    for name, columns in re.findall(r"^- `(\w+) \(([^`]*)\)`", section("Warehouse tables"),
                                    flags=re.MULTILINE):
        assert name not in tables, f"{name} is listed twice"
        tables[name] = [column.strip() for column in columns.split(",")]
    return tables


def documented_views() -> list[str]:
    """The names of the sentence `Views: ... .` of the doc."""
    found = re.search(r"Views: (.*?)\.(\s|$)", section("Warehouse tables"), flags=re.DOTALL)
    assert found, "docs/architecture.md has no sentence 'Views: `name`, ... .'"
    return re.findall(r"`(\w+)`", found.group(1))


@dataclass
class Schema:
    tables: dict[str, list[tuple[str, str, bool]]]  # table: (column, type, nullable) in order
    views: set[str]


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> Schema:
    """The base tables and views of a freshly migrated warehouse file."""
    workdir = tmp_path_factory.mktemp("architecture")
    with writing(workdir):
        pass
    with reading(workdir) as con:
        rows = con.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES'
            FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
            ORDER BY c.table_name, c.ordinal_position
            """
        ).fetchall()
        views = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall()}
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, data_type, nullable in rows:
        tables.setdefault(table, []).append((column, data_type, nullable))
    return Schema(tables, views)


def test_the_record_table_is_the_one_definition() -> None:
    expected = [(f.name, f.json_type, "yes" if f.required else "no", f.notes) for f in FIELDS]
    assert record_rows() == expected


def test_every_table_is_listed_with_its_columns_in_order(schema) -> None:
    documented = documented_tables()
    real = {table: [column for column, _, _ in columns] for table, columns in schema.tables.items()}
    assert sorted(documented) == sorted(real), "tables listed in docs/architecture.md"
    for table, columns in documented.items():
        if RECORD_TOKEN in columns:
            at = columns.index(RECORD_TOKEN)
            columns = columns[:at] + list(FIELD_NAMES) + columns[at + 1:]
        assert columns == real[table], f"columns of {table} in docs/architecture.md"


def test_stories_holds_the_record_with_its_types_and_required_fields(schema) -> None:
    columns = {name: (data_type, nullable) for name, data_type, nullable in schema.tables["stories"]}
    for field in FIELDS:
        data_type, nullable = columns[field.name]
        assert data_type == field.column_type, field.name
        if field.name in REQUIRED_FIELDS:
            assert not nullable, f"{field.name} is required but may be NULL in stories"
        if not nullable:
            assert not field.nullable, f"{field.name} is NOT NULL in stories but nullable"
    assert RECORD_TOKEN in documented_tables()["stories"]


def test_the_views_named_exist(schema) -> None:
    named = documented_views()
    assert named, "docs/architecture.md names no views"
    assert set(named) <= schema.views, f"not views of a fresh warehouse: {set(named) - schema.views}"
