-- The operation catalog: operations published from operation projects, their immutable versions,
-- stars, and which projects use them. pg_trgm is a trusted extension (PostgreSQL 13+), so the
-- database owner may create it; it ships in Debian's postgresql-15 package.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One operation per project (its root operation.yml). `owner` is the project's top-level
-- namespace (the client: a user or a root group), so `uses: owner/name@version` has exactly two
-- segments even for a project in a subgroup; a name is unique within its owner.
CREATE TABLE operations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id         bigint      NOT NULL UNIQUE REFERENCES projects (id) ON DELETE CASCADE,
    owner              text        NOT NULL,
    name               text        NOT NULL,
    -- Copied from the most recently published version, for search and filters.
    kind               text        NOT NULL CHECK (kind IN ('data-operation', 'visualization', 'algorithm')),
    description        text        NULL,
    tags               text[]      NOT NULL DEFAULT '{}',
    input_types        text[]      NOT NULL DEFAULT '{}',
    output_types       text[]      NOT NULL DEFAULT '{}',
    latest_version     text        NULL,
    -- Full-text document (name and tags weigh more than the description) and the plain text that
    -- trigram similarity compares a misspelt query against.
    search             tsvector    NOT NULL DEFAULT ''::tsvector,
    search_text        text        NOT NULL DEFAULT '',
    star_count         integer     NOT NULL DEFAULT 0,
    use_count          bigint      NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operations_owner_name_key ON operations (lower(owner), lower(name));
CREATE INDEX operations_search_idx ON operations USING gin (search);
CREATE INDEX operations_search_trgm_idx ON operations USING gin (search_text gin_trgm_ops);
CREATE INDEX operations_tags_idx ON operations USING gin (tags);

-- A version is immutable once published: commit, manifest and image never change. Only its state
-- moves: building -> ready | failed (for `build:` operations), and deprecation or yanking.
CREATE TABLE operation_versions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operation_id        bigint      NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    version             text        NOT NULL,
    commit_sha          text        NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
    -- operation.yml as it was at the commit: the source of truth, re-parsed on resolution.
    manifest_yaml       text        NOT NULL,
    -- The parsed manifest, for the API and the catalog page.
    manifest            jsonb       NOT NULL,
    -- `image:` as written, or the tag a `build:` is built into.
    image_reference     text        NOT NULL,
    -- sha256:… when known: pinned in the reference, or the built image's id reported by the runner.
    image_digest        text        NULL,
    status              text        NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
    build_job_id        bigint      NULL REFERENCES jobs (id) ON DELETE SET NULL,
    build_failure       text        NULL,
    deprecated_at       timestamptz NULL,
    deprecation_message text        NULL,
    yanked_at           timestamptz NULL,
    yank_reason         text        NULL,
    published_by        bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    published_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operation_id, version)
);
CREATE INDEX operation_versions_commit_idx ON operation_versions (operation_id, commit_sha);
CREATE UNIQUE INDEX operation_versions_build_job_key ON operation_versions (build_job_id) WHERE build_job_id IS NOT NULL;

CREATE TABLE operation_stars (
    operation_id       bigint      NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    user_id            bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation_id, user_id)
);

-- Which projects ran an operation, and how many jobs: "who uses it" and the use count.
CREATE TABLE operation_uses (
    operation_id       bigint      NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
    project_id         bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    job_count          bigint      NOT NULL DEFAULT 0,
    first_used_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (operation_id, project_id)
);

-- The image id of a successful image build (see docs/catalog.md, "the image_build job"); the
-- runner reports it with the job's success, the catalog copies it to the version.
ALTER TABLE jobs ADD COLUMN image_digest text NULL CHECK (image_digest ~ '^sha256:[0-9a-f]{64}$');

-- Every job created for an operation counts as a use, whoever creates it (push-to-run, manual
-- runs, one-step runs): a trigger keeps the count right without each of them knowing the catalog.
CREATE FUNCTION record_operation_use() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    op_id bigint;
BEGIN
    SELECT id INTO op_id FROM operations
    WHERE lower(owner) = lower(NEW.spec -> 'operation' ->> 'owner') AND lower(name) = lower(NEW.spec -> 'operation' ->> 'name');
    IF op_id IS NOT NULL THEN
        INSERT INTO operation_uses (operation_id, project_id, job_count) VALUES (op_id, NEW.project_id, 1)
        ON CONFLICT (operation_id, project_id) DO UPDATE SET job_count = operation_uses.job_count + 1, last_used_at = now();
        UPDATE operations SET use_count = use_count + 1 WHERE id = op_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_record_operation_use AFTER INSERT ON jobs
    FOR EACH ROW WHEN (jsonb_typeof(NEW.spec -> 'operation') = 'object')
    EXECUTE FUNCTION record_operation_use();
