-- Git backends: which backend holds each project's repository, protected branches, push events,
-- Git LFS objects, and links to GitLab projects.

ALTER TABLE projects
    ADD COLUMN git_backend      text   NOT NULL DEFAULT 'embedded' CHECK (git_backend IN ('embedded', 'gitlab')),
    ADD COLUMN repository_size  bigint NOT NULL DEFAULT 0,
    ADD COLUMN lfs_size         bigint NOT NULL DEFAULT 0;

-- A branch named here needs maintainer to push and can never be force-pushed or deleted.
-- The default branch is protected when a project is created.
CREATE TABLE protected_branches (
    project_id  bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, name)
);

-- One row per ref that a push actually moved; the pipeline trigger consumes them in id order.
-- Webhooks from GitLab and GitHub produce rows of the same shape.
CREATE TABLE push_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    source          text        NOT NULL CHECK (source IN ('embedded', 'gitlab', 'github')),
    ref             text        NOT NULL,
    before_sha      text        NOT NULL,
    after_sha       text        NOT NULL,
    pusher_id       bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    pusher_username text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_events_project_idx ON push_events (project_id, id);

-- LFS objects are content-addressed and stored once; a project may only read those linked to it.
CREATE TABLE lfs_objects (
    oid         text        PRIMARY KEY CHECK (oid ~ '^[0-9a-f]{64}$'),
    size        bigint      NOT NULL CHECK (size >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_lfs_objects (
    project_id  bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    oid         text        NOT NULL REFERENCES lfs_objects (oid),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, oid)
);
CREATE INDEX project_lfs_objects_oid_idx ON project_lfs_objects (oid);

-- LFS bytes stored per client (top-level namespace), each object counted once however many of
-- the client's projects use it: what the usage issue bills.
CREATE VIEW namespace_lfs_storage AS
SELECT root.id AS namespace_id, root.full_path, COALESCE(sum(o.size), 0)::bigint AS lfs_bytes, count(o.oid) AS lfs_objects
FROM namespaces root
LEFT JOIN LATERAL (
    SELECT DISTINCT plo.oid
    FROM project_lfs_objects plo
    JOIN projects p ON p.id = plo.project_id
    JOIN namespaces n ON n.id = p.namespace_id
    WHERE n.id = root.id OR n.parent_id = root.id
) used ON true
LEFT JOIN lfs_objects o ON o.oid = used.oid
WHERE root.parent_id IS NULL
GROUP BY root.id, root.full_path;

-- A project whose repository lives in GitLab. The access token and the webhook's secret are
-- encrypted with the server's master key (AES-GCM); only the server can read them.
CREATE TABLE gitlab_links (
    project_id          bigint      PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    base_url            text        NOT NULL,
    gitlab_project_id   bigint      NOT NULL,
    gitlab_path         text        NOT NULL,
    http_url_to_repo    text        NOT NULL,
    token_encrypted     bytea       NOT NULL,
    hook_id             bigint      NULL,
    hook_secret_encrypted bytea     NOT NULL,
    last_fetched_at     timestamptz NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
