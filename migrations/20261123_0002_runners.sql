-- Runners: processes on GPU hosts that execute jobs. They authenticate with their own token
-- (hashed here like personal access tokens), never with a user's.
CREATE TABLE runners (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL,
    description     text        NOT NULL DEFAULT '',
    token_hash      bytea       NOT NULL,
    token_prefix    text        NOT NULL,
    tags            text[]      NOT NULL DEFAULT '{}',
    version         text        NOT NULL DEFAULT '',
    platform        text        NOT NULL DEFAULT '',
    executor        text        NOT NULL DEFAULT '',
    gpus            jsonb       NOT NULL DEFAULT '[]',
    paused          boolean     NOT NULL DEFAULT false,
    contacted_at    timestamptz NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX runners_token_hash_key ON runners (token_hash);
