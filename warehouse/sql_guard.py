"""What analysts' SQL may run: DuckDB's own parser decides, statement type by statement type.

A query is split and typed by `con.extract_statements`, never by matching keywords, so a comment,
odd casing or a statement DuckDB reads differently from a human cannot slip through. Only SELECT
statements are allowed (DuckDB types WITH, FROM, VALUES, TABLE, DESCRIBE, SHOW, SUMMARIZE and
PIVOT ... IN (...) as SELECT), plus EXPLAIN [ANALYZE] of a SELECT. Every other type is refused
with the reason, allow-list style, so a type added by a later DuckDB is refused until judged.
This is the first of two layers: the connection itself cannot write files (`sql_sandbox`).
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import duckdb

from storywatch.warehouse.db import WarehouseError

ALLOWED = ("Allowed: SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT ... IN (...) "
           "and EXPLAIN [ANALYZE] of a SELECT; the warehouse is changed only by crawl, load and tag.")
WRITES_FILES = "it writes files"
CHANGES_WAREHOUSE = "it changes the warehouse"
# Why each statement type is refused. Only SELECT (and EXPLAIN of a SELECT) is allowed; a type
# missing here is refused too, with the generic reason.
REASONS = {
    "COPY": WRITES_FILES, "EXPORT": WRITES_FILES, "COPY_DATABASE": WRITES_FILES,
    "INSERT": CHANGES_WAREHOUSE, "UPDATE": CHANGES_WAREHOUSE, "DELETE": CHANGES_WAREHOUSE,
    "MERGE_INTO": CHANGES_WAREHOUSE, "CREATE": CHANGES_WAREHOUSE, "CREATE_FUNC": CHANGES_WAREHOUSE,
    "ALTER": CHANGES_WAREHOUSE, "DROP": CHANGES_WAREHOUSE, "VACUUM": CHANGES_WAREHOUSE,
    "ANALYZE": CHANGES_WAREHOUSE,
    # IMPORT DATABASE and COPY FROM DATABASE parse as PRAGMA, and many pragmas change settings.
    "PRAGMA": "PRAGMA can import databases and change settings; use DESCRIBE view, SHOW TABLES "
              "or SELECT * FROM pragma_table_info('view') instead",
    "CALL": "CALL runs functions that write (CHECKPOINT, enable_logging); "
            "use SELECT * FROM function(...) for one that reads",
    "ATTACH": "it opens another database file", "DETACH": "it closes a database",
    "SET": "it changes a setting", "VARIABLE_SET": "it changes a setting",
    "LOAD": "it installs or loads an extension", "EXTENSION": "it installs or loads an extension",
    "PREPARE": "a prepared statement hides what will run",
    "EXECUTE": "a prepared statement hides what will run",
    "TRANSACTION": "a read-only query needs no transaction",
    "MULTI": "it runs several statements; for PIVOT, list the values with ON column IN (...)",
}
NOT_A_QUERY = "it is not a query"
# DuckDB's parser types ANALYZE as VACUUM: name both, so a refused ANALYZE is recognisable.
SHOWN_AS = {"VACUUM": "ANALYZE/VACUUM"}
EXPLAIN_OPTIONS = {"ANALYZE", "ANALYSE"}


class SqlRefused(WarehouseError):
    """Analysts' SQL that `storywatch sql` will not run."""


class WriteRefused(SqlRefused):
    """A statement that would change the warehouse, a setting, or write files."""


def refusal(kind: str, reason: str) -> WriteRefused:
    """The one-line refusal for a statement of type `kind`."""
    return WriteRefused(f"Refused: `storywatch sql` is read-only, and {kind} is not allowed "
                        f"({reason}). {ALLOWED}")


def shown(kind: str) -> str:
    """A statement type as users know it: DuckDB's VACUUM is also ANALYZE."""
    return SHOWN_AS.get(kind, kind)


def _checked_text(query: str) -> str:
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as error:
        raise WarehouseError("The query holds bytes that are not valid UTF-8; save or type it "
                             "as UTF-8 text.") from error
    return query


def parse(con: duckdb.DuckDBPyConnection, query: str) -> list[duckdb.Statement]:
    """The statements in `query`, as DuckDB's parser reads them."""
    try:
        return con.extract_statements(_checked_text(query))
    except duckdb.Error as error:
        raise WarehouseError(f"The query is not valid SQL: {error}") from error


class Token(NamedTuple):
    start: int  # offset in characters (DuckDB's own offsets count UTF-8 bytes)
    kind: duckdb.token_type
    text: str


def tokenize(sql: str) -> list[Token]:
    """DuckDB's tokens of `sql`, comments included, each with its text."""
    found = duckdb.tokenize(_checked_text(sql))
    # DuckDB counts bytes: map each byte offset to the character it starts.
    char_at = dict(zip(itertools.accumulate((len(c.encode()) for c in sql), initial=0),
                       range(len(sql) + 1), strict=True))
    starts = [char_at[offset] for offset, _ in found]
    ends = starts[1:] + [len(sql)]
    return [Token(start, kind, sql[start:end].strip())
            for start, end, (_, kind) in zip(starts, ends, found, strict=True)]


def statement_type(statement: duckdb.Statement) -> str:
    """The statement's type name, as DuckDB's parser gave it."""
    try:
        return statement.type.name
    except ValueError:
        # A type the Python package cannot name yet (UPDATE EXTENSIONS): refused as unknown.
        return "an unknown statement type"


def _tokens(sql: str) -> list[Token]:
    """DuckDB's tokens of `sql` without comments."""
    return [token for token in tokenize(sql) if token.kind != duckdb.token_type.comment]


def _after_parentheses(tokens: list[Token], opening: int) -> int | None:
    """Index of the token after the `)` that closes the `(` at `opening`, None if unclosed."""
    depth = 0
    for index in range(opening, len(tokens)):
        text = tokens[index].text
        if text in ("(", ")"):
            depth += 1 if text == "(" else -1
            if depth == 0:
                return index + 1
    return None


def explained_candidates(sql: str) -> list[str]:
    """Every text DuckDB may take as the statement an EXPLAIN wraps.

    EXPLAIN [ANALYZE] [(options)] statement: each place the statement may start gives one
    candidate. A `(` group is either options or the start of a parenthesised SELECT, and
    ANALYZE could be read as a statement of its own, so the caller parses every candidate
    with DuckDB and requires all that parse to be a SELECT. Judging every reading is sturdier
    than guessing DuckDB's one: a wrong guess can only refuse a query, never let a COPY through.

    Example:
        >>> explained_candidates("EXPLAIN ANALYZE (FORMAT json) SELECT 1")
        ['ANALYZE (FORMAT json) SELECT 1', '(FORMAT json) SELECT 1', 'SELECT 1']
    """
    tokens = _tokens(sql)
    starts = [1]
    position = 1
    if position < len(tokens) and tokens[position].text.upper() in EXPLAIN_OPTIONS:
        position += 1
        starts.append(position)
    if position < len(tokens) and tokens[position].text == "(":
        after = _after_parentheses(tokens, position)
        if after is not None:
            starts.append(after)
    return [sql[tokens[start].start:] for start in starts if start < len(tokens)]


def _check_explained(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    kinds = []
    for candidate in explained_candidates(sql):
        try:
            found = con.extract_statements(candidate)
        except duckdb.Error:
            continue
        if not found:
            # Only a `;` or a comment is left (`EXPLAIN (SELECT 1);`): no reading of the statement.
            continue
        kinds.append(statement_type(found[0]) if len(found) == 1 else "MULTI")
    if not kinds:
        raise refusal("this EXPLAIN", "storywatch could not tell which statement it wraps")
    for kind in kinds:
        if kind != "SELECT":
            reason = REASONS.get(kind, NOT_A_QUERY)
            raise refusal(f"EXPLAIN of {shown(kind)}",
                          f"EXPLAIN ANALYZE runs the statement it wraps, and {reason}")


def check_read_only(con: duckdb.DuckDBPyConnection, query: str) -> list[duckdb.Statement]:
    """The statements of `query` when each only reads; else raise WriteRefused, naming why."""
    found = parse(con, query)
    if not found:
        raise WarehouseError("The query is empty: pass a SELECT statement.")
    for statement in found:
        kind = statement_type(statement)
        if kind == "EXPLAIN":
            _check_explained(con, statement.query)
        elif kind != "SELECT":
            raise refusal(shown(kind), REASONS.get(kind, NOT_A_QUERY))
    return found
