-- A project whose repository lives on GitHub: a third Git backend with a local mirror, fed by
-- GitHub's webhooks. The token (statuses, fetching) and the webhook secret are encrypted with
-- the server's key; the secret is shown once when the link is made.
ALTER TABLE projects DROP CONSTRAINT projects_git_backend_check;
ALTER TABLE projects ADD CONSTRAINT projects_git_backend_check CHECK (git_backend IN ('embedded', 'gitlab', 'github'));

CREATE TABLE github_links (
    project_id                bigint      PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    -- owner/name as GitHub spells it.
    repository                text        NOT NULL CHECK (repository ~ '^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$'),
    token_encrypted           bytea       NOT NULL,
    webhook_secret_encrypted  bytea       NOT NULL,
    last_fetched_at           timestamptz NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX github_links_repository_idx ON github_links (lower(repository));
