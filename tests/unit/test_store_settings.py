"""Store settings and URLs: embedded defaults, clear refusals of bad URLs, the portable SQL text rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from libs.errors import InvalidRequestError
from libs.stores.factory import StoreSettings, open_objects
from libs.stores.milvus_location import MilvusLocation
from libs.stores.objects_s3 import S3Location
from libs.stores.sql_common import changed_rows, split_statements, to_sqlite_placeholders
from libs.stores.urls import folder_of, path_of

pytestmark = pytest.mark.unit


def test_embedded_defaults_live_under_the_data_directory() -> None:
    settings = StoreSettings()
    assert settings.database_url_for("identification") == "sqlite:///.visage/identification.db"
    assert folder_of(settings.objects_location()) == Path(".visage/objects")
    assert MilvusLocation.parse(settings.vectors_location()).lite_path == Path(".visage/milvus.db").absolute()
    elsewhere = StoreSettings(data_dir=Path("/srv/visage"))
    assert path_of(elsewhere.database_url_for("liveness"), "sqlite") == Path("/srv/visage/liveness.db")
    assert folder_of(elsewhere.objects_location()) == Path("/srv/visage/objects")


def test_server_urls_are_taken_as_given() -> None:
    settings = StoreSettings(
        database_url="postgresql://visage@db:5432/visage",
        objects_url="s3://photos?endpoint=http://minio:9000&region=eu-west-1",
        vectors_url="http://milvus:19530",
    )
    assert settings.database_url_for("identification") == "postgresql://visage@db:5432/visage"
    assert S3Location.parse(settings.objects_location()) == S3Location(
        "photos", "minio:9000", False, "eu-west-1"
    )
    assert MilvusLocation.parse(settings.vectors_location()) == MilvusLocation("http://milvus:19530", None)


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("database_url", "mysql://db/visage"),
        ("database_url", "sqlite://relative-without-third-slash.db"),
        ("objects_url", "ftp://host/dir"),
        ("vectors_url", "milvus://host:19530"),
        ("vectors_url", "/path/milvus.db"),
    ],
)
def test_unknown_url_schemes_are_refused_by_the_settings(field: str, url: str) -> None:
    with pytest.raises(ValidationError, match=field):
        StoreSettings(**{field: url})


@pytest.mark.parametrize(
    "parse",
    [
        lambda: S3Location.parse("s3://?endpoint=http://minio:9000"),
        lambda: S3Location.parse("s3://bucket/key?endpoint=http://minio:9000"),
        lambda: S3Location.parse("s3://bucket?endpoint=minio:9000"),
        lambda: MilvusLocation.parse("milvus-lite:///data/milvus.sqlite"),
        lambda: MilvusLocation.parse("milvus-lite:///"),
        lambda: folder_of("file://otherhost/dir"),
    ],
)
def test_malformed_urls_are_refused_with_the_url_named(parse: object) -> None:
    with pytest.raises(InvalidRequestError):
        parse()  # type: ignore[operator]


def test_secrets_stay_out_of_the_settings_repr() -> None:
    settings = StoreSettings(
        s3_access_key="AKIA-key", s3_secret_key="top-secret", database_password="hunter2"
    )
    assert "top-secret" not in repr(settings) and "hunter2" not in repr(settings)
    assert settings.s3_secret_key is not None and settings.s3_secret_key.get_secret_value() == "top-secret"


async def test_s3_without_credentials_is_refused_before_connecting() -> None:
    settings = StoreSettings(objects_url="s3://bucket?endpoint=http://127.0.0.1:9")
    with pytest.raises(InvalidRequestError, match="s3_access_key"):
        await open_objects(settings)


def test_collection_and_database_names_are_checked() -> None:
    with pytest.raises(ValidationError):
        StoreSettings(collection="faces-v2")
    with pytest.raises(ValueError):
        StoreSettings().database_url_for("../elsewhere")


def test_sqlite_placeholders_keep_numbers_and_leave_literals_alone() -> None:
    sql = "SELECT '$1 it''s', $2 FROM t WHERE a = $1 AND b = $1 AND c = $10"
    assert to_sqlite_placeholders(sql) == "SELECT '$1 it''s', ?2 FROM t WHERE a = ?1 AND b = ?1 AND c = ?10"


def test_migration_scripts_split_on_line_ending_semicolons() -> None:
    script = (
        "CREATE TABLE a (x TEXT DEFAULT 'a;b');\n\nCREATE INDEX a_x ON a (x);  \nINSERT INTO a VALUES ('z')"
    )
    assert split_statements(script) == [
        "CREATE TABLE a (x TEXT DEFAULT 'a;b')",
        "CREATE INDEX a_x ON a (x)",
        "INSERT INTO a VALUES ('z')",
    ]


def test_changed_rows_reads_postgres_command_status() -> None:
    assert [changed_rows(s) for s in ("INSERT 0 3", "UPDATE 2", "DELETE 0", "CREATE TABLE")] == [3, 2, 0, 0]
