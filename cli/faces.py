"""`visage detect`, `visage match`, `visage search`: the API on local photo files, answered as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.api import ApiError, client, fail, image_b64, request

SAME_PERSON_SIMILARITY = 0.5  # the API's similarity at its same-person threshold (docs/similarity.md)
MAX_MATCHED = 14
Photos = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, help="Photo files.")]


def _show(table: Table) -> None:
    Console().print(table)


def detect(photos: Photos) -> None:
    """Faces in each photo: box (x, y, width, height) and the five landmarks' count."""
    table = Table("photo", "face", "box", "landmarks")
    try:
        with client() as api:
            for photo in photos:
                answer = request(api, "POST", "detect", json={"image": image_b64(photo)})
                detections = answer["results"]["detections"]
                if not detections:
                    table.add_row(str(photo), "-", "no face", "")
                for index, face in enumerate(detections):
                    box = ", ".join(f"{value:.0f}" for value in face["roi"])
                    table.add_row(str(photo), str(index), box, str(len(face["landmarks"])))
    except ApiError as error:
        raise fail(error) from None
    _show(table)


def match(photos: Photos) -> None:
    """Every pair of the photos' central faces: similarity (0..1, 0.5 = same-person threshold), distance."""
    if not 2 <= len(photos) <= MAX_MATCHED:
        raise typer.BadParameter(f"give 2 to {MAX_MATCHED} photos")
    # The API takes two images of each of its 7 source types per request (Regula's limitPerImageTypes);
    # the type changes nothing in the comparison, so the photos are spread over them.
    images = [{"index": i, "type": 1 + i // 2, "data": image_b64(p)} for i, p in enumerate(photos)]
    try:
        with client() as api:
            answer = request(api, "POST", "match", json={"images": images})
    except ApiError as error:
        raise fail(error) from None
    table = Table("first", "second", "similarity", "distance", "same person")
    for pair in answer["results"]:
        similarity = pair.get("similarity", 0.0)
        table.add_row(
            str(photos[pair["firstIndex"]]),
            str(photos[pair["secondIndex"]]),
            f"{similarity:.3f}",
            f"{pair.get('score', 0.0):.3f}",
            "yes" if similarity >= SAME_PERSON_SIMILARITY else "no",
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
    body: dict[str, object] = {"image": {"content": image_b64(photo)}, "limit": limit, "groupIds": group}
    if threshold is not None:
        body["threshold"] = threshold
    try:
        with client() as api:
            answer = request(api, "POST", "search", json=body)
    except ApiError as error:
        raise fail(error) from None
    table = Table("person", "id", "distance", "similarity")
    for person in answer.get("persons", []):
        best = person["images"][0]
        table.add_row(person["name"], person["id"], f"{best['distance']:.4f}", f"{best['similarity']:.3f}")
    if not answer.get("persons"):
        typer.echo("nobody matches")
        return
    _show(table)
