"""`visage detect`, `visage match`, `visage search`: the API on local photo files, answered as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.api import Failure, client, fail, read_photo
from visage.client import MatchImage

SAME_PERSON_SIMILARITY = 0.5  # the API's similarity at its same-person threshold (docs/similarity.md)
MAX_MATCHED = 14
Photos = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Photo files.")]


def _show(table: Table) -> None:
    for column in table.columns:  # wrap long cells (ids, paths) instead of cutting them to "…"
        column.overflow = "fold"
    Console().print(table)


def short_names(paths: list[Path]) -> list[str]:
    """Each path by its last parts, as few as keep the names apart: a.jpg, b.jpg; x/a.jpg, y/a.jpg."""
    for depth in range(1, max((len(p.parts) for p in paths), default=1) + 1):
        names = [str(Path(*p.parts[-depth:])) for p in paths]
        if len(set(names)) == len(set(paths)):
            return names
    return [str(p) for p in paths]


def detect(photos: Photos) -> None:
    """Faces in each photo: box (x, y, width, height) and the five landmarks' count."""
    table = Table("photo", "face", "box", "landmarks")
    try:
        with client() as api:
            for path, name in zip(photos, short_names(photos), strict=True):
                answer = api.detect(read_photo(path))
                detections = answer.results.detections if answer.results else []
                if not detections:
                    table.add_row(name, "-", "no face", "")
                for index, face in enumerate(detections):
                    box = ", ".join(f"{value:.0f}" for value in face.roi)
                    table.add_row(name, str(index), box, str(len(face.landmarks)))
    except Failure as error:
        raise fail(error) from None
    _show(table)


def match(photos: Photos) -> None:
    """Every pair of the photos' central faces: similarity (0..1, 0.5 = same-person threshold), distance."""
    if not 2 <= len(photos) <= MAX_MATCHED:
        raise typer.BadParameter(f"give 2 to {MAX_MATCHED} photos")
    # The API takes two images of each of its 7 source types per request (Regula's limitPerImageTypes);
    # the type changes nothing in the comparison, so the photos are spread over them.
    try:
        images = [MatchImage(read_photo(path), type=1 + i // 2) for i, path in enumerate(photos)]
        with client() as api:
            answer = api.match(images)
    except Failure as error:
        raise fail(error) from None
    table = Table("first", "second", "similarity", "distance", "same person")
    names = short_names(photos)
    for pair in answer.results:
        table.add_row(
            names[pair.first_index],
            names[pair.second_index],
            f"{pair.similarity:.3f}",
            f"{pair.score:.3f}",
            "yes" if pair.similarity >= SAME_PERSON_SIMILARITY else "no",
        )
    _show(table)


def search(
    photo: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The probe photo.")],
    group: Annotated[
        list[str], typer.Option(help="Group id to search in; repeatable. Default: everyone.")
    ] = [],  # noqa: B006
    limit: Annotated[int, typer.Option(min=1, help="Persons to list at most.")] = 5,
    threshold: Annotated[float | None, typer.Option(help="Maximum distance; default: the API's.")] = None,
) -> None:
    """The enrolled persons the photo's central face matches, nearest first."""
    try:
        with client() as api:
            answer = api.search(read_photo(photo), group_ids=group, limit=limit, threshold=threshold)
    except Failure as error:
        raise fail(error) from None
    if not answer.persons:
        typer.echo("nobody matches")
        return
    table = Table("person", "id", "distance", "similarity")
    for person in answer.persons:
        best = person.images[0]
        table.add_row(person.name, person.id, f"{best.distance:.4f}", f"{best.similarity:.3f}")
    _show(table)
