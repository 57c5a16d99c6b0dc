"""Measuring and tuning the tags: evaluation on labelled dev sets, taxonomy checks."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch.commands.options import translate_errors
from storywatch.config import load_settings

DEFAULT_CAP = 600  # nlp.real_eval.DEFAULT_CAP, without importing nlp at CLI start-up

ALEXA_FILE = "amazon_alexa_reviews.csv"


@click.command(name="eval")
@click.option("--suite", type=click.Choice(["own", "real", "all"]), default="own",
              show_default=True,
              help="own: the hand-written labelled stories and star agreement; real: the "
                   "real-data suite with two baselines; all: both.")
@click.option("--split", "splits", type=click.Choice(["test", "dev"]), multiple=True,
              help="Own suite: labelled split(s) to score (default: test, then dev). Real "
                   "suite: --split dev scores the dev rows (nlp.real_split.is_dev) instead of "
                   "the test rows, for tuning.")
@click.option("--sets", default=None,
              help="Real suite: comma-separated sets to score (default: every set), e.g. "
                   "tweets,laptops.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Real suite: score at most N test rows per set (default "
                   f"{DEFAULT_CAP}).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The shared data folder (default: $STORYWATCH_SHARED_DATA, else ../shared/data "
                   "beside the source checkout).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Real suite: also write every figure to this JSON file.")
@click.option("--no-baselines", is_flag=True, default=False,
              help="Real suite: score the tagger only, without the keyword and MiniLM "
                   "zero-shot baselines (most of the run time), e.g. while tuning on dev.")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Own suite: also compare story sentiment with this warehouse's star ratings.")
@click.option("--alexa", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Own suite: Amazon Alexa reviews CSV for star agreement (default: the "
                   "shared data folder's).")
@click.option("--alexa-limit", type=int, default=None, help="Score only the first N reviews.")
@click.option("--taxonomy", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Taxonomy YAML (default: the packaged one).")
@translate_errors
def eval_command(suite: str, splits: tuple[str, ...], sets: str | None, limit: int | None,
                 data: Path | None, json_path: Path | None, no_baselines: bool,
                 workdir: Path | None, alexa: Path | None, alexa_limit: int | None,
                 taxonomy: Path | None) -> None:
    """Score the tagger. The own suite (default): per-class precision, recall, F1, macro-F1
    and confusion matrices for sentiment, causes and owners on the hand-labelled stories, then
    agreement of story sentiment with star ratings (warehouse, Alexa reviews). The real suite:
    the test rows of every real data set of the shared data folder, the hand-labelled real texts
    and the own test stories, each figure next to a keyword baseline and MiniLM zero-shot, then
    a summary table (docs/nlp.md, "The real-data suite").

    The test splits were never used for training or tuning; dev picked the settings.

    Example:

    \b
        storywatch eval --split test --workdir storywatch-data --alexa-limit 500
        storywatch eval --suite real --sets tweets,laptops --limit 100 --json real.json
        storywatch eval --suite real --split dev --no-baselines
    """
    from storywatch import nlp
    from storywatch.nlp.real_eval import select_sets

    if suite == "own" and (sets or limit or json_path or no_baselines):
        raise click.UsageError("--sets, --limit, --json and --no-baselines score the real-data "
                               "suite: add --suite real (or all).")
    if suite != "own" and len(set(splits)) > 1:
        raise click.UsageError("The real-data suite scores one split: give --split test or "
                               "--split dev, not both.")
    chosen = select_sets([n.strip() for n in sets.split(",") if n.strip()] if sets else None)
    # The backend and model cache of ./storywatch.toml and the environment, as `tag` uses them.
    tagger = nlp.load_tagger(taxonomy, load_settings(Path(".")).tagging.model)
    click.echo(f"Model {tagger.model_version}")
    from storywatch.nlp.paths import SHARED_DATA
    data_dir = data or SHARED_DATA
    if suite in ("own", "all"):
        _own_suite(tagger, splits, workdir, alexa, alexa_limit, data_dir)
    if suite in ("real", "all"):
        real_split = splits[0] if splits else "test"
        _real_suite(tagger, chosen, data_dir, limit or DEFAULT_CAP, json_path, real_split,
                    not no_baselines)


def _own_suite(tagger, splits: tuple[str, ...], workdir: Path | None, alexa: Path | None,
               alexa_limit: int | None, data_dir: Path) -> None:
    from storywatch.nlp import evaluation
    from storywatch.nlp.labelled import training_pool
    from storywatch.nlp.paths import TEST_DATA

    if not TEST_DATA.is_dir():
        click.echo(f"No hand-labelled stories at {TEST_DATA}: they ship with a source checkout "
                   "(tests/data/), not with an installed package; run eval from a clone to "
                   "score them.")
        splits = ()
    pool = training_pool() if TEST_DATA.is_dir() else {}
    for split in (splits or ("test", "dev")) if pool else ():
        result = evaluation.evaluate_split(tagger, pool[split])
        click.echo(f"\n== {split} split: {result['stories']} stories ==")
        for key in ("sentiment", "causes", "owners", "primary_owner"):
            click.echo(result[key].render())
        click.echo(f"owner accuracy {result['owner_accuracy']:.3f}")
        for kind, (right, linked) in result["cause_polarity"].items():
            stories = "stories" if kind == "all" else "mixed stories"
            click.echo(f"cause polarity ({stories}): {right}/{linked} linked gold causes have "
                       f"evidence of the labelled polarity ({right / max(linked, 1):.3f})")
    if workdir is not None:
        if not (workdir / "storywatch.duckdb").is_file():
            click.echo(f"\nNo warehouse at {workdir}; skipping the star agreement there.")
        else:
            stars, sentiments = evaluation.warehouse_ratings(workdir)
            _echo_stars(f"warehouse {workdir}", evaluation.star_agreement(
                None, [], stars, sentiments))
    path = alexa or data_dir / ALEXA_FILE
    if path.is_file():
        # Training reads half of the shared Alexa file; a file of the user's own is read whole.
        held_out = alexa is None
        texts, stars = evaluation.read_alexa(path, alexa_limit, held_out_only=held_out)
        where = f"{path.name} (the half training never read)" if held_out else path.name
        _echo_stars(where, evaluation.star_agreement(tagger, texts, stars))
    elif alexa is not None:
        raise click.ClickException(f"{alexa} does not exist; check the path.")
    else:
        click.echo(f"\nNo Alexa reviews at {path} (the shared data folder); skipping "
                   "that star agreement. Pass --alexa FILE to score a file of rated reviews.")


def _real_suite(tagger, sets: list, data_dir: Path, cap: int, json_path: Path | None,
                split: str = "test", baselines: bool = True) -> None:
    import time

    from storywatch.nlp.baselines import KeywordBaseline, ZeroShotBaseline
    from storywatch.nlp.real_eval import run_suite, tagger_system
    from storywatch.nlp.real_report import render_summary, write_json
    from storywatch.nlp.real_split import scoring

    def systems() -> dict:
        chosen = {"tagger": tagger_system(tagger)}
        if baselines:
            chosen.update({"keyword": KeywordBaseline(tagger.taxonomy).predict,
                           "zero_shot": ZeroShotBaseline(tagger.taxonomy).predict})
        return chosen

    start = time.perf_counter()
    click.echo(f"\nReal-data suite on {data_dir}: at most {cap} {split} rows per set, the first in "
               "a fixed hashed order (nlp.real_split).")
    if split == "dev":
        click.echo("Scoring the DEV split (for tuning; the tables' 'test rows' are dev rows).")
    with scoring(split):
        results, skipped = run_suite(systems, tagger.taxonomy, data_dir, sets, cap, click.echo)
    click.echo("\n" + render_summary(results))
    seconds = round(time.perf_counter() - start, 1)
    click.echo(f"\n{len(results)} sets scored, {len(skipped)} skipped, in {seconds}s.")
    if json_path is not None:
        write_json(json_path, results, skipped, {"model": tagger.model_version, "cap": cap,
                                                 "split": split, "data": str(data_dir),
                                                 "seconds": seconds})
        click.echo(f"Figures written to {json_path}.")


def _echo_stars(where: str, result: dict) -> None:
    click.echo(f"\n== star agreement, {where}: {result['rated']} rated stories (1-2 vs 4-5 stars) ==")
    click.echo(f"agreement {result['agreement']:.3f}, tagged neutral {result['neutral_share']:.3f}")
    click.echo(result["report"].render())


@click.group()
def taxonomy() -> None:
    """Inspect the cause taxonomy (nlp/taxonomy.yaml or your own).

    Example:

    \b
        storywatch taxonomy check
    """


@taxonomy.command(name="check")
@click.option("--taxonomy", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Taxonomy YAML (default: the packaged one).")
@click.option("--examples", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your text,cause examples CSV or YAML (default: nlp/training/cause_examples.csv).")
@translate_errors
def taxonomy_check(path: Path | None, examples: Path | None) -> None:
    """Report causes whose example phrases are too few or overlap another cause's, and causes
    that run zero-shot because their trained head is missing or stale.

    Example:

    \b
        storywatch taxonomy check --taxonomy my_taxonomy.yaml
    """
    from storywatch.nlp.cause_heads import CauseHeads
    from storywatch.nlp.encoder import Encoder
    from storywatch.nlp.taxonomy import load_taxonomy
    from storywatch.nlp.taxonomy_check import check_taxonomy, user_examples_for

    loaded = load_taxonomy(path)
    encoder = Encoder.load(load_settings(Path(".")).tagging.model)
    findings = check_taxonomy(loaded, encoder.encode, CauseHeads.load(),
                              user_examples_for(loaded, examples))
    for finding in findings:
        click.echo(f"{finding.kind:<10} {finding.message}")
    click.echo(f"{len(loaded.causes)} causes checked in {loaded.path}: {len(findings)} findings.")


COMMANDS: list = [eval_command, taxonomy]
