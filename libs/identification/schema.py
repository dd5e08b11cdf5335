"""The identification tables, as versioned migrations in the portable dialect of `libs.stores.ports.Database`.

States (see `libs.identification.writes`): a person is `ready` or `deleting`; an image is `pending` (its
object and vector are being written), `ready`, or `deleting`. Only `ready` rows of non-expired persons are
visible. `groups_version` counts membership changes of a person and `vectors_stale` says its vectors may
carry an old group list; both let a group change be re-synced to the vector index after a failure or a race.
"""

from __future__ import annotations

from libs.stores.ports import Migration

_V1 = """
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    external_id TEXT,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT,
    expire_at BIGINT,
    state TEXT NOT NULL,
    state_changed_at BIGINT NOT NULL,
    groups_version BIGINT NOT NULL DEFAULT 0,
    vectors_stale INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX persons_by_creation ON persons (created_at, id);
CREATE INDEX persons_by_name ON persons (name);
CREATE INDEX persons_by_expiry ON persons (expire_at) WHERE expire_at IS NOT NULL;
CREATE INDEX persons_unsettled ON persons (state_changed_at) WHERE state <> 'ready';
CREATE INDEX persons_vectors_stale ON persons (id) WHERE vectors_stale = 1;
CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT
);
CREATE INDEX groups_by_creation ON groups (created_at, id);
CREATE TABLE person_groups (
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, group_id)
);
CREATE INDEX person_groups_by_group ON person_groups (group_id, person_id);
CREATE TABLE images (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    state_changed_at BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    object_key TEXT,
    metadata TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT
);
CREATE INDEX images_by_person ON images (person_id, created_at, id);
CREATE INDEX images_unsettled ON images (state_changed_at) WHERE state <> 'ready';
"""

# Tenants (issue 16): persons and groups carry their tenant; images and memberships inherit it through their
# person or group. Rows written before tenants existed belong to the default tenant (`libs.tenants`); the
# column default stays for them, but every INSERT names the tenant. The indexes that page lead with tenant.
_V2 = """
ALTER TABLE persons ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
ALTER TABLE groups ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX persons_by_creation;
CREATE INDEX persons_by_creation ON persons (tenant, created_at, id);
DROP INDEX persons_by_name;
CREATE INDEX persons_by_name ON persons (tenant, name);
DROP INDEX groups_by_creation;
CREATE INDEX groups_by_creation ON groups (tenant, created_at, id);
"""

# Versions 4001+ (issue 4), so they never collide with liveness' (5001+) when both share one database.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(4001, "identification: persons, groups, images", _V1.strip()),
    Migration(4002, "identification: tenants", _V2.strip()),
)
