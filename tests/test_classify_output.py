"""Where `storywatch classify --output` writes: never over a DuckDB database, into a device or pipe
as it is (never swapped for a regular file), and over a regular file keeping its permissions."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from storywatch import nlp
from storywatch.cli import cli
from storywatch.nlp.classify import classify_file

ROOT = Path(__file__).resolve().parent.parent
CSV = "id,text\nA1,Still no refund after a month. Awful.\nA2,Love my new lamp\n"


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    path = tmp_path / "comments.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.fixture()
def run_classify(tagger, monkeypatch):
    """Run the real `storywatch classify` command with the session's tagger."""
    monkeypatch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)

    def run(source: Path, output: Path):
        return CliRunner().invoke(cli, ["classify", str(source), "--text-column", "text",
                                        "--output", str(output), "--no-progress"])

    return run


@pytest.mark.parametrize("name", ["warehouse", "symlink", "hard link"])
def test_an_output_that_is_a_duckdb_database_is_refused(run_classify, source, tmp_path, name):
    warehouse = tmp_path / "storywatch-data" / "storywatch.duckdb"
    warehouse.parent.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE stories AS SELECT 1 AS story")
    output = {"warehouse": warehouse, "symlink": tmp_path / "tags.jsonl",
              "hard link": tmp_path / "hard.jsonl"}[name]
    if name == "symlink":
        output.symlink_to(warehouse)
    elif name == "hard link":
        os.link(warehouse, output)
    before = warehouse.read_bytes()
    result = run_classify(source, output)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "DuckDB database" in lines[0]
    assert warehouse.read_bytes() == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT story FROM stories").fetchall() == [(1,)]


def test_a_named_pipe_output_stays_a_pipe_and_gets_the_lines(run_classify, source, tmp_path):
    pipe = tmp_path / "tags.pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    result = run_classify(source, pipe)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert [line[:22] for line in received[0].splitlines()] == ['{"row": 1, "id": "A1",',
                                                                '{"row": 2, "id": "A2",']


def test_a_character_device_output_stays_a_device(tagger, source, tmp_path):
    device = tmp_path / "fakenull"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
        device.open("w").close()
    except OSError as error:
        pytest.skip(f"cannot make and open a character device here: {error}")
    assert classify_file(source, "text", device, tagger) == 2
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comments.csv", "fakenull"]


STDOUT_SCRIPT = """
import sys
from pathlib import Path
from types import SimpleNamespace
from storywatch.nlp.classify import classify_file

class Tagger:  # the real model is not needed to see where the lines go
    def tag(self, texts):
        return [SimpleNamespace(sentiment="neutral", sentiment_score=0.0, language="en",
                                causes=[], sentences=[text]) for text in texts]

classify_file(Path(sys.argv[1]), "text", Path("/dev/stdout"), Tagger())
"""


def test_output_to_dev_stdout_goes_down_the_pipe(source):
    done = subprocess.run([sys.executable, "-c", STDOUT_SCRIPT, str(source)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert [line[:10] for line in done.stdout.splitlines()] == ['{"row": 1,', '{"row": 2,']


def test_a_private_output_stays_private(tagger, source, tmp_path):
    output = tmp_path / "tags.jsonl"
    output.write_text("old\n", encoding="utf-8")
    output.chmod(0o600)
    assert classify_file(source, "text", output, tagger) == 2
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert output.read_text(encoding="utf-8").startswith('{"row": 1')
