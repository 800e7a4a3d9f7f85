-- Webhook deliveries from GitLab and GitHub, stored in the request (after the signature or token
-- checked out) and answered 202 at once; a processor claims them afterwards (FOR UPDATE SKIP
-- LOCKED, woken by NOTIFY mlops_webhook_deliveries), fetches the mirror and makes push events or
-- runs. A retried delivery (same Idempotency-Key / X-GitHub-Delivery) is stored once.
CREATE TABLE webhook_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    source          text        NOT NULL CHECK (source IN ('gitlab', 'github')),
    -- X-Gitlab-Event / X-GitHub-Event, e.g. 'Push Hook', 'pull_request'.
    event           text        NOT NULL,
    -- GitLab: Idempotency-Key (the same on retries), else X-Gitlab-Webhook-UUID; GitHub: X-GitHub-Delivery.
    delivery_key    text        NOT NULL,
    payload         jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz NULL,
    -- ignored: <event>, push_event: <id>, runs: <ids>, duplicate, failed: <why>, ...
    outcome         text        NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    retry_after     timestamptz NULL,
    UNIQUE (project_id, source, delivery_key)
);
CREATE INDEX webhook_deliveries_unprocessed_idx ON webhook_deliveries (id) WHERE processed_at IS NULL;
CREATE INDEX webhook_deliveries_project_idx ON webhook_deliveries (project_id, id DESC);

-- The same push delivered twice under different delivery ids (GitLab's "Resend request" after a
-- hook was re-created, two hooks) must still make one run: one webhook push event per ref move.
CREATE UNIQUE INDEX push_events_webhook_dedup ON push_events (project_id, source, ref, before_sha, after_sha)
    WHERE source <> 'embedded';

-- A merge request opened or updated is an event of the same log: its head commit at
-- refs/merge-requests/<iid>/head (GitLab) or refs/pull/<n>/head (GitHub), matched against
-- `on: merge_request` with the paths changed since the merge base with the target branch.
ALTER TABLE push_events
    ADD COLUMN kind          text NOT NULL DEFAULT 'push' CHECK (kind IN ('push', 'merge_request')),
    ADD COLUMN target_branch text NULL;
