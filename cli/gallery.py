"""`visage export DIR` and `visage import DIR`: a gallery (groups, persons, photos) as files, through the API.

Format `visage-gallery/1`, one folder:

    gallery.json   {"format": "visage-gallery/1", "groups": [{"id", "name", "metadata"}],
                    "persons": [{"id", "name", "externalId", "metadata", "expireAt", "groups": [group ids],
                                 "images": [{"id", "file", "contentType"}]}]}
    photos/<personId>/<imageId>.<ext>

Ids are the exporting platform's; an import makes new ones and maps them. Descriptors are not exported: the
importing platform describes the photos itself, with its own model. What the API cannot list is not
exported: persons in no group (Regula's API has no route listing every person), and photos that came by
`imageUrl` (never kept; they are named in the summary).
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Annotated, Any

import typer
from tqdm import tqdm

from cli.api import Failure, UsageError, client, fail, read_photo, summary
from visage.client import NotFoundError, VisageClient

FORMAT = "visage-gallery/1"
_PERSON_FIELDS = {"id", "name", "external_id", "metadata", "expire_at", "groups"}  # and "images"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/bmp": ".bmp"}


def _photo(api: VisageClient, person_id: str, image_id: str) -> bytes | None:
    try:
        return api.get_person_image(person_id, image_id)
    except NotFoundError:  # came by imageUrl: not kept
        return None


def export(folder: Annotated[Path, typer.Argument(help="An empty or new folder.")]) -> None:
    """Write every group, its persons and their kept photos to FOLDER."""
    if folder.exists() and any(folder.iterdir()):
        raise typer.BadParameter(f"{folder} is not empty")
    not_kept: list[str] = []
    try:
        with client() as api:
            groups = api.every(api.list_groups)
            persons: dict[str, dict[str, Any]] = {}
            for group in groups:
                for person in api.every(api.list_group_persons, group.id):
                    persons.setdefault(person.id, person.model_dump(include=_PERSON_FIELDS, by_alias=True))
            for person in tqdm(persons.values(), unit="person", desc="exporting"):
                person["images"] = []
                for image in api.every(api.list_person_images, person["id"]):
                    data = _photo(api, person["id"], image.id)
                    if data is None:
                        not_kept.append(f"{person['name']} ({person['id']}) image {image.id}")
                        continue
                    file = Path("photos", person["id"], image.id + _EXTENSIONS.get(image.content_type, ""))
                    (folder / file).parent.mkdir(parents=True, exist_ok=True)
                    (folder / file).write_bytes(data)
                    person["images"].append(
                        {"id": image.id, "file": file.as_posix(), "contentType": image.content_type}
                    )
    except Failure as error:
        raise fail(error) from None
    gallery = {
        "format": FORMAT,
        "groups": [group.model_dump(include={"id", "name", "metadata"}) for group in groups],
        "persons": list(persons.values()),
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gallery.json").write_text(json.dumps(gallery, indent=1, ensure_ascii=False), encoding="utf-8")
    photos = sum(len(person["images"]) for person in persons.values())
    typer.echo(f"exported {len(groups)} groups, {len(persons)} persons, {photos} photos to {folder}")
    if not_kept:
        typer.echo(f"{len(not_kept)} photos came by imageUrl and were not kept, so not exported:", err=True)
        for item in not_kept:
            typer.echo(f"  {item}", err=True)


def import_(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="An exported gallery.")],
) -> None:
    """Make the groups, persons and photos of an exported gallery (new ids)."""
    try:
        gallery = json.loads((folder / "gallery.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise fail(UsageError(f"{folder / 'gallery.json'}: {error}")) from None
    if gallery.get("format") != FORMAT:
        raise fail(UsageError(f"{folder}: not a {FORMAT} folder (format {gallery.get('format')!r})"))
    failures: list[str] = []
    try:
        with client() as api:
            new_group = {
                group["id"]: api.create_group(group["name"], group.get("metadata")).id
                for group in gallery["groups"]
            }
            for person in tqdm(gallery["persons"], unit="person", desc="importing"):
                person_id = api.create_person(
                    person["name"],
                    groups=[new_group[g] for g in person.get("groups", []) if g in new_group],
                    metadata=person.get("metadata"),
                    external_id=person.get("externalId") or None,
                    expire_at=person.get("expireAt") or None,
                ).id
                for image in person.get("images", []):
                    content_type = image.get("contentType") or mimetypes.guess_type(image["file"])[0] or ""
                    data = read_photo(folder / image["file"])
                    try:
                        api.add_person_image(person_id, data, content_type=content_type)
                    except Failure as error:
                        failures.append(f"{image['file']}: {error}")
    except Failure as error:
        raise fail(error) from None
    photos = sum(len(person.get("images", [])) for person in gallery["persons"])
    summary(
        f"imported {len(gallery['groups'])} groups, {len(gallery['persons'])} persons, "
        f"{photos - len(failures)} photos; {len(failures)} failed",
        failures,
    )
