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

import httpx
import typer
from tqdm import tqdm

from cli.api import (
    EXIT_USAGE,
    ApiError,
    all_items,
    checked,
    client,
    fail,
    image_b64,
    request,
    response,
    summary,
)

FORMAT = "visage-gallery/1"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/bmp": ".bmp"}


def _photo(api: httpx.Client, person_id: str, image_id: str) -> bytes | None:
    answer = response(api, "GET", f"persons/{person_id}/images/{image_id}")
    if answer.status_code == 404:  # came by imageUrl: not kept
        return None
    if not answer.is_success:
        checked(answer)  # raises with the API's message
    return answer.content


def export(folder: Annotated[Path, typer.Argument(help="An empty or new folder.")]) -> None:
    """Write every group, its persons and their kept photos to FOLDER."""
    if folder.exists() and any(folder.iterdir()):
        raise typer.BadParameter(f"{folder} is not empty")
    not_kept: list[str] = []
    try:
        with client() as api:
            groups = all_items(api, "groups")
            persons: dict[str, dict[str, Any]] = {}
            for group in groups:
                for person in all_items(api, f"groups/{group['id']}/persons"):
                    persons.setdefault(person["id"], person)
            for person in tqdm(persons.values(), unit="person", desc="exporting"):
                person["images"] = []
                for image in all_items(api, f"persons/{person['id']}/images"):
                    data = _photo(api, person["id"], image["id"])
                    if data is None:
                        not_kept.append(f"{person['name']} ({person['id']}) image {image['id']}")
                        continue
                    file = Path(
                        "photos", person["id"], image["id"] + _EXTENSIONS.get(image["contentType"], "")
                    )
                    (folder / file).parent.mkdir(parents=True, exist_ok=True)
                    (folder / file).write_bytes(data)
                    person["images"].append(
                        {"id": image["id"], "file": file.as_posix(), "contentType": image["contentType"]}
                    )
    except ApiError as error:
        raise fail(error) from None
    fields = ("id", "name", "externalId", "metadata", "expireAt", "groups", "images")
    gallery = {
        "format": FORMAT,
        "groups": [{key: group.get(key) for key in ("id", "name", "metadata")} for group in groups],
        "persons": [{key: person.get(key) for key in fields} for person in persons.values()],
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
        raise fail(ApiError(f"{folder / 'gallery.json'}: {error}", EXIT_USAGE)) from None
    if gallery.get("format") != FORMAT:
        raise fail(
            ApiError(f"{folder}: not a {FORMAT} folder (format {gallery.get('format')!r})", EXIT_USAGE)
        )
    failures: list[str] = []
    try:
        with client() as api:
            new_group = {
                group["id"]: request(
                    api,
                    "POST",
                    "groups",
                    json={"name": group["name"], "metadata": group.get("metadata") or {}},
                )["id"]
                for group in gallery["groups"]
            }
            for person in tqdm(gallery["persons"], unit="person", desc="importing"):
                groups = [new_group[g] for g in person.get("groups", []) if g in new_group]
                body = {"name": person["name"], "metadata": person.get("metadata") or {}, "groups": groups}
                if person.get("externalId"):
                    body["externalId"] = person["externalId"]
                if person.get("expireAt"):
                    body["expireAt"] = person["expireAt"]
                person_id = request(api, "POST", "persons", json=body)["id"]
                for image in person.get("images", []):
                    content_type = image.get("contentType") or mimetypes.guess_type(image["file"])[0] or ""
                    upload = {"content": image_b64(folder / image["file"]), "contentType": content_type}
                    try:
                        request(api, "POST", f"persons/{person_id}/images", json={"image": upload})
                    except ApiError as error:
                        failures.append(f"{image['file']}: {error.message}")
    except ApiError as error:
        raise fail(error) from None
    photos = sum(len(person.get("images", [])) for person in gallery["persons"])
    summary(
        f"imported {len(gallery['groups'])} groups, {len(gallery['persons'])} persons, "
        f"{photos - len(failures)} photos; {len(failures)} failed",
        failures,
    )
