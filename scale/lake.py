"""The warehouse as Delta Lake tables under one path (`[scale] storage = "delta"`).

The lake holds the stories, the tags (sentences and causes nested in each story's row), the cached
vectors, the reply classes, the version tables, the crawl log and the daily rollups, each a Delta
table under `path/<name>`; Spark, Trino or any Delta reader can read them (docs/scale.md).

Reading: `open_session(path)` opens an in-memory DuckDB, applies the warehouse migrations (so the
views, macros and comments are exactly the default warehouse's), then replaces each base table by
a view over the lake's Arrow dataset with the migration's own column types. Every view and named
query runs unchanged on it; nothing is copied.

Writing: one committer (the driver of a run, never a worker) commits through `Lake`: an upsert by
the table's key (a Delta merge, idempotent) or a whole replace for the small version tables.
deltalake is imported here only, so the default install never needs it.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from storywatch.errors import StorywatchError
from storywatch.warehouse.db import LAKE_POINTER, migrate


class LakeError(StorywatchError):
    """The lake cannot be read or written; the message says how to fix it."""


@dataclass(frozen=True)
class LakeTable:
    """A Delta table of the lake and the warehouse base table(s) it stands for."""

    name: str
    base: str | None  # the migration's table with the same rows (None: nested, see TAGS)
    keys: tuple[str, ...]  # the upsert key; () for a table replaced whole


# The lake's tables. `stories` carries one column more than the warehouse's, `text_hash` (the
# hash of the text the tagger reads), so finding pending stories is a join, not a hash per story.
TABLES = {
    "stories": LakeTable("stories", "stories", ("story_key",)),
    "tags": LakeTable("tags", None, ("story_key", "model_version")),
    "vectors": LakeTable("vectors", "story_vectors", ("story_key", "encoder_version")),
    "replies": LakeTable("replies", "reply_tags", ("story_key", "reply_version")),
    "model_versions": LakeTable("model_versions", "model_versions", ()),
    "reply_models": LakeTable("reply_models", "reply_models", ()),
    "crawl_runs": LakeTable("crawl_runs", "crawl_runs", ("run_id",)),
    "loaded_files": LakeTable("loaded_files", "loaded_files", ("landing_file",)),
    "story_facts_rollup": LakeTable("story_facts_rollup", "rollup_story_facts", ()),
    "story_causes_rollup": LakeTable("story_causes_rollup", "rollup_story_causes", ()),
    "story_owners_rollup": LakeTable("story_owners_rollup", "rollup_story_owners", ()),
    "daily_scores": LakeTable("daily_scores", "rollup_daily_scores", ()),
    "daily_causes": LakeTable("daily_causes", "rollup_daily_causes", ()),
    "daily_owners": LakeTable("daily_owners", "rollup_daily_owners", ()),
    "rollup_state": LakeTable("rollup_state", None, ()),
}
# story_tags, sentence_tags and cause_tags are read from the nested `tags` table.
TAG_TABLES = ("story_tags", "sentence_tags", "cause_tags")
SENTENCE = pa.struct([("sentence_index", pa.int32()), ("sentence", pa.string()),
                      ("sentiment", pa.string()), ("sentiment_score", pa.float64())])
CAUSE = pa.struct([("cause", pa.string()), ("owner", pa.string()), ("score", pa.float64()),
                   ("evidence", pa.string()), ("evidence_sentiment", pa.string())])
# Which table versions the daily rollups were built from: they are read only while these match.
ROLLUP_STATE = pa.schema([("stories_version", pa.int64()), ("tags_version", pa.int64()),
                          ("model_versions_version", pa.int64()), ("code", pa.string())])


def scratch() -> duckdb.DuckDBPyConnection:
    """An empty in-memory warehouse with every migration applied (its tables are real)."""
    con = duckdb.connect()
    migrate(con)
    return con


def _with_rollups() -> duckdb.DuckDBPyConnection:
    """A scratch warehouse with the rollup tables too, which no migration declares."""
    from storywatch.warehouse.report_rollups import refresh_rollups

    con = scratch()
    refresh_rollups(con)
    return con


@functools.cache
def _column_types() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each warehouse base table's columns and DuckDB types, in order."""
    con = _with_rollups()
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name = 'main' "
        "AND table_name IN (SELECT table_name FROM duckdb_tables()) "
        "ORDER BY table_name, column_index").fetchall()
    con.close()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return {table: tuple(columns) for table, columns in found.items()}


def _lake_type(kind: str) -> str:
    # Delta has no JSON type: JSON travels as text and is cast back on reading.
    return "VARCHAR" if kind == "JSON" else kind


def select_for_lake(table: str, extra: str = "") -> str:
    """SELECT list turning a scratch table's rows into the lake's column types."""
    columns = [f"CAST({name} AS {_lake_type(kind)}) AS {name}"
               for name, kind in _column_types()[table]]
    return ", ".join(columns + ([extra] if extra else []))


def lake_schema(name: str) -> pa.Schema:
    if name == "rollup_state":
        return ROLLUP_STATE
    if name == "tags":
        base = _arrow_schema("story_tags")
        return base.append(pa.field("sentences", pa.list_(SENTENCE))).append(
            pa.field("causes", pa.list_(CAUSE)))
    schema = _arrow_schema(TABLES[name].base)
    return schema.append(pa.field("text_hash", pa.string())) if name == "stories" else schema


@functools.cache
def _arrow_schema(table: str) -> pa.Schema:
    con = _with_rollups()
    schema = con.sql(f"SELECT {select_for_lake(table)} FROM {table} LIMIT 0").to_arrow_table() \
        .schema
    con.close()
    # Delta keeps nullability: the lake accepts what the warehouse's constraints checked.
    return pa.schema([field.with_nullable(True) for field in schema])


def _as_views(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pa.string_view()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return pa.list_(kind.value_field.with_type(_as_views(kind.value_type)))
    if pa.types.is_struct(kind):
        return pa.struct([field.with_type(_as_views(field.type)) for field in kind])
    return kind


def _deltalake():
    try:
        import deltalake
    except ImportError as error:
        raise LakeError("storage = \"delta\" needs the scale extra: "
                        "pip install 'storywatch[scale]'.") from error
    return deltalake


class Lake:
    """The lake at `path` (a folder or an object-store URL), opened by its one committer."""

    def __init__(self, path: str | Path, storage_options: dict[str, str] | None = None) -> None:
        self.path = str(path)
        self.storage_options = storage_options or None
        self._delta = _deltalake()

    def uri(self, name: str) -> str:
        return f"{self.path.rstrip('/')}/{name}"

    def create(self) -> None:
        """Create every table that is missing, empty, with its schema (idempotent)."""
        if "://" not in self.path:
            Path(self.path).mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            if not self._delta.DeltaTable.is_deltatable(self.uri(name), self.storage_options):
                self._delta.write_deltalake(self.uri(name), lake_schema(name).empty_table(),
                                            storage_options=self.storage_options)

    def table(self, name: str):
        try:
            return self._delta.DeltaTable(self.uri(name), storage_options=self.storage_options)
        except Exception as error:  # deltalake raises its own TableNotFoundError and OSError
            raise LakeError(f"No lake table {name!r} at {self.uri(name)} ({error}): run "
                            "`storywatch demo --storage delta` or a delta run first.") from error

    def versions(self) -> dict[str, int]:
        return {name: self.table(name).version() for name in TABLES}

    def rows(self, name: str, where: str = "", params: list | None = None) -> pa.Table:
        """The table's rows (those matching `where`, DuckDB SQL over its columns) in Arrow."""
        with duckdb.connect() as con:
            con.register("_rows", self.scan(name))
            return con.sql(f"SELECT * FROM _rows {where}", params=params or None).to_arrow_table()

    def scan(self, name: str, table=None):
        """The table's current files (of `table`, the DeltaTable already open) as a pyarrow
        dataset for DuckDB to scan.

        Text is read as Arrow string views: DuckDB pushes its string filters down as view
        scalars, which pyarrow cannot compare with plain strings.
        """
        from pyarrow import dataset, fs

        table = table if table is not None else self.table(name)
        schema = pa.schema([field.with_type(_as_views(field.type))
                            for field in table.to_pyarrow_dataset().schema])
        uris = table.file_uris()
        if "://" not in self.path:
            return dataset.dataset(uris, schema=schema, format="parquet")
        filesystem, _ = fs.FileSystem.from_uri(self.path)
        paths = [fs.FileSystem.from_uri(uri)[1] for uri in uris]
        return dataset.dataset(paths, schema=schema, format="parquet", filesystem=filesystem)

    def conform(self, name: str, rows: pa.Table) -> pa.Table:
        schema = lake_schema(name)
        return rows.select(schema.names).cast(schema)

    def upsert(self, name: str, rows: pa.Table, update_when: str | None = None) -> dict:
        """Insert rows whose key is new, update those whose key exists (when `update_when`, a
        predicate over `t.` target and `s.` source columns, holds); one Delta commit."""
        keys = TABLES[name].keys
        if not rows.num_rows:
            return {"num_target_rows_inserted": 0, "num_target_rows_updated": 0}
        predicate = " AND ".join(f"t.{key} = s.{key}" for key in keys)
        merge = self.table(name).merge(self.conform(name, rows), predicate,
                                       source_alias="s", target_alias="t")
        return merge.when_matched_update_all(predicate=update_when) \
            .when_not_matched_insert_all().execute()

    def replace(self, name: str, rows: pa.Table, where: str | None = None) -> None:
        """Replace the whole table, or only its rows matching `where` (a Delta predicate), in
        one commit; readers see the old rows or the new, never a mix."""
        self._delta.write_deltalake(self.uri(name), self.conform(name, rows), mode="overwrite",
                                    predicate=where, storage_options=self.storage_options)


def lake_rows(con: duckdb.DuckDBPyConnection, table: str, where: str = "",
              extra: str = "", params: list | None = None) -> pa.Table:
    """A scratch table's rows (or those matching `where`) as an Arrow table in lake types."""
    sql = f"SELECT {select_for_lake(table, extra)} FROM {table} {where}"
    return con.sql(sql, params=params or None).to_arrow_table()


def tag_rows(con: duckdb.DuckDBPyConnection, where: str = "") -> pa.Table:
    """A scratch warehouse's story_tags, sentence_tags and cause_tags (those of story_tags rows
    matching `where`) as nested lake rows."""
    sql = f"""
        WITH t AS (SELECT * FROM story_tags {where}),
        s AS (
            SELECT story_key, model_version,
                   list({{'sentence_index': sentence_index, 'sentence': sentence,
                          'sentiment': sentiment, 'sentiment_score': sentiment_score}}
                        ORDER BY sentence_index) AS sentences
            FROM sentence_tags SEMI JOIN t USING (story_key, model_version)
            GROUP BY ALL),
        c AS (
            SELECT story_key, model_version,
                   list({{'cause': cause, 'owner': owner, 'score': score, 'evidence': evidence,
                          'evidence_sentiment': evidence_sentiment}} ORDER BY cause) AS causes
            FROM cause_tags SEMI JOIN t USING (story_key, model_version)
            GROUP BY ALL)
        SELECT {select_for_lake('story_tags').replace('CAST(', 'CAST(t.')},
               coalesce(s.sentences, []) AS sentences, coalesce(c.causes, []) AS causes
        FROM t LEFT JOIN s USING (story_key, model_version)
        LEFT JOIN c USING (story_key, model_version)"""
    return con.sql(sql).to_arrow_table()


# How each warehouse base table is read from the lake (before casting to the migration's types).
_SOURCES = {
    "story_tags": "_lake_tags",
    "sentence_tags": "(SELECT story_key, model_version, unnest(sentences, recursive := true) "
                     "FROM _lake_tags)",
    "cause_tags": "(SELECT story_key, model_version, unnest(causes, recursive := true) "
                  "FROM _lake_tags)",
}


def open_session(lake: Lake) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose base tables are views over the lake: the views, macros and
    named queries of the default warehouse run on it unchanged. Read it; write through Lake."""
    con = scratch()
    try:
        # Each table opened once: its files and its version are of the same moment.
        opened = {name: lake.table(name) for name in TABLES}
        for name in TABLES:
            con.register(f"_lake_{name}", lake.scan(name, opened[name]))
        bases = {table.base: f"_lake_{name}" for name, table in TABLES.items() if table.base}
        bases.update(_SOURCES)
        versions = {name: table.version() for name, table in opened.items()}
        rollups_current = _rollups_current(con, versions)
        types = _column_types()
        for base, source in bases.items():
            if base.startswith("rollup_") and not rollups_current:
                continue
            columns = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in types[base])
            con.execute(f"DROP TABLE IF EXISTS {base}")
            con.execute(f"CREATE VIEW {base} AS SELECT {columns} FROM {source}")
        if rollups_current:
            _mark_rollups_current(con)
    except BaseException:
        con.close()
        raise
    return con


def rollup_code() -> str:
    from storywatch.versions import code_digest
    from storywatch.warehouse import report_rollups

    return code_digest(report_rollups)


def _rollups_current(con: duckdb.DuckDBPyConnection, versions: dict[str, int]) -> bool:
    """Whether the lake's rollups were built from the table versions there now."""
    state = con.execute("SELECT * FROM _lake_rollup_state").fetchall()
    if len(state) != 1:
        return False
    return state[0] == (versions["stories"], versions["tags"], versions["model_versions"],
                        rollup_code())


def _mark_rollups_current(con: duckdb.DuckDBPyConnection) -> None:
    """Let the named queries read the lake's rollups: the fingerprint report_rollups checks,
    computed once here; the session's tables are pinned versions, so report_rollups need not
    recompute it for each named query (mark_checked)."""
    from storywatch.warehouse.report_rollups import FINGERPRINT_SQL, mark_checked

    con.execute("DROP TABLE IF EXISTS rollup_state")
    con.execute("CREATE TABLE rollup_state (fingerprint VARCHAR, refreshed_at TIMESTAMP)")
    con.execute("INSERT INTO rollup_state SELECT (" + FINGERPRINT_SQL + "), now()::TIMESTAMP",
                [rollup_code()])
    mark_checked(con)


def write_pointer(workdir: Path, lake_path: str) -> Path:
    """Point `workdir` at its lake, so the reading commands find it."""
    pointer = Path(workdir) / LAKE_POINTER
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(json.dumps({"path": lake_path}) + "\n", encoding="utf-8")
    return pointer


def pointed_lake(workdir: Path) -> Lake | None:
    """The lake `workdir` points at, or None when it has no pointer."""
    pointer = Path(workdir) / LAKE_POINTER
    if not pointer.is_file():
        return None
    try:
        path = json.loads(pointer.read_text(encoding="utf-8"))["path"]
    except (ValueError, KeyError, TypeError) as error:
        raise LakeError(f"{pointer} is not a lake pointer ({error}); delete it or rerun "
                        "the delta run that wrote it.") from error
    return Lake(path)


def open_workdir_lake(workdir: Path) -> duckdb.DuckDBPyConnection | None:
    """A session over the lake `workdir` points at, or None when it points at none."""
    lake = pointed_lake(workdir)
    return open_session(lake) if lake is not None else None
