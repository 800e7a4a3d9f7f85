-- Accounts, namespaces, projects and the audit log: the base that every feature stands on.
-- Paths are compared case-insensitively (as GitLab does) but stored as the user typed them.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text        NOT NULL,
    email           text        NOT NULL,
    name            text        NOT NULL DEFAULT '',
    password_hash   text        NULL,
    is_admin        boolean     NOT NULL DEFAULT false,
    state           text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'blocked')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- A namespace is either a user's personal one or a group; both share one path space.
CREATE TABLE namespaces (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('user', 'group')),
    path            text        NOT NULL,
    full_path       text        NOT NULL,
    name            text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    visibility      text        NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'internal', 'public')),
    parent_id       bigint      NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    owner_user_id   bigint      NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'user') = (owner_user_id IS NOT NULL)),
    CHECK (kind = 'group' OR parent_id IS NULL)
);
CREATE UNIQUE INDEX namespaces_full_path_key ON namespaces (lower(full_path));
CREATE INDEX namespaces_parent_idx ON namespaces (parent_id);

-- Roles use GitLab's access levels so that its users read them at once:
-- 20 reporter, 30 developer, 40 maintainer, 50 owner.
CREATE TABLE namespace_members (
    namespace_id    bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_level    smallint    NOT NULL CHECK (access_level IN (20, 30, 40, 50)),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace_id, user_id)
);
CREATE INDEX namespace_members_user_idx ON namespace_members (user_id);

CREATE TABLE projects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace_id    bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    path            text        NOT NULL,
    name            text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    visibility      text        NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'internal', 'public')),
    topics          text[]      NOT NULL DEFAULT '{}',
    default_branch  text        NOT NULL DEFAULT 'main',
    created_by      bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX projects_namespace_path_key ON projects (namespace_id, lower(path));
CREATE INDEX projects_topics_idx ON projects USING gin (topics);

CREATE TABLE project_members (
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_level    smallint    NOT NULL CHECK (access_level IN (20, 30, 40, 50)),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

-- Only the SHA-256 of a token is kept: tokens are 256-bit random, so a fast hash is enough
-- and lets a request find its token by an index lookup.
CREATE TABLE personal_access_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    token_hash      bytea       NOT NULL,
    token_prefix    text        NOT NULL,
    scopes          text[]      NOT NULL,
    expires_at      timestamptz NULL,
    revoked_at      timestamptz NULL,
    last_used_at    timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX personal_access_tokens_hash_key ON personal_access_tokens (token_hash);
CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id, id);

-- Written in the same transaction as the change it records; never updated.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor_id        bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    actor_username  text        NOT NULL,
    action          text        NOT NULL,
    target_type     text        NOT NULL,
    target_id       bigint      NULL,
    target_path     text        NOT NULL,
    namespace_id    bigint      NULL,
    project_id      bigint      NULL,
    details         jsonb       NOT NULL DEFAULT '{}',
    ip_address      text        NULL
);
CREATE INDEX audit_events_namespace_idx ON audit_events (namespace_id, id);
CREATE INDEX audit_events_project_idx ON audit_events (project_id, id);
