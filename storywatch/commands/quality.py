"""Measuring and tuning the tags: evaluation on labelled dev sets, taxonomy checks."""
from __future__ import annotations

from pathlib import Path

import click

from storywatch.commands.options import translate_errors
from storywatch.config import load_settings

SHARED_ALEXA = Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon_alexa_reviews.csv"


@click.command(name="eval")
@click.option("--split", "splits", type=click.Choice(["test", "dev"]), multiple=True,
              help="Labelled split(s) to score (default: test, then dev).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also compare story sentiment with the star ratings in this warehouse.")
@click.option("--alexa", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Amazon Alexa reviews CSV for star agreement (default: shared data folder).")
@click.option("--alexa-limit", type=int, default=None, help="Score only the first N reviews.")
@click.option("--taxonomy", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Taxonomy YAML (default: the packaged one).")
@translate_errors
def eval_command(splits: tuple[str, ...], workdir: Path | None, alexa: Path | None,
                 alexa_limit: int | None, taxonomy: Path | None) -> None:
    """Score the tagger on the hand-labelled stories: per-class precision, recall, F1,
    macro-F1 and confusion matrices for sentiment, causes and owners; then agreement of
    story sentiment with star ratings (warehouse, Alexa reviews).

    The test split was never used for training or tuning; dev picked the settings.

    Example:

    \b
        storywatch eval --split test --workdir storywatch-data --alexa-limit 500
    """
    import nlp
    from nlp import evaluation
    from nlp.labelled import training_pool

    # The backend and model cache of ./storywatch.toml and the environment, as `tag` uses them.
    tagger = nlp.load_tagger(taxonomy, load_settings(Path(".")).tagging.model)
    pool = training_pool()
    click.echo(f"Model {tagger.model_version}")
    for split in splits or ("test", "dev"):
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
    path = alexa or SHARED_ALEXA
    if path.is_file():
        # Training reads half of the shared Alexa file; a file of the user's own is read whole.
        held_out = alexa is None
        texts, stars = evaluation.read_alexa(path, alexa_limit, held_out_only=held_out)
        where = f"{path.name} (the half training never read)" if held_out else path.name
        _echo_stars(where, evaluation.star_agreement(tagger, texts, stars))
    elif alexa is not None:
        raise click.ClickException(f"{alexa} does not exist; check the path.")
    else:
        click.echo(f"\nNo Alexa reviews at {SHARED_ALEXA} (the shared data folder); skipping "
                   "that star agreement. Pass --alexa FILE to score a file of rated reviews.")


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
    from nlp.cause_heads import CauseHeads
    from nlp.encoder import Encoder
    from nlp.taxonomy import load_taxonomy
    from nlp.taxonomy_check import check_taxonomy, user_examples_for

    loaded = load_taxonomy(path)
    encoder = Encoder.load(load_settings(Path(".")).tagging.model)
    findings = check_taxonomy(loaded, encoder.encode, CauseHeads.load(),
                              user_examples_for(loaded, examples))
    for finding in findings:
        click.echo(f"{finding.kind:<10} {finding.message}")
    click.echo(f"{len(loaded.causes)} causes checked in {loaded.path}: {len(findings)} findings.")


COMMANDS: list = [eval_command, taxonomy]
