-- Turning pushes into runs. A push event is written in two steps around receive-pack: an
-- 'intent' before the refs can move and 'recorded' once git reported them moved. A server that
-- dies in between leaves an intent; the push processor confirms it when the ref did move (or
-- drops it when it plainly did not), so an acknowledged push is never lost. Consumers claim
-- unprocessed rows (processed_at IS NULL) with FOR UPDATE SKIP LOCKED, never by "last id seen":
-- identity values commit out of order.
ALTER TABLE push_events
    ADD COLUMN state        text        NOT NULL DEFAULT 'recorded' CHECK (state IN ('intent', 'recorded')),
    ADD COLUMN processed_at timestamptz NULL,
    -- What processing made of it: runs, deleted_ref, skip_ci, no_definition, no_match, failed: <why>.
    ADD COLUMN outcome      text        NULL,
    ADD COLUMN attempts     integer     NOT NULL DEFAULT 0,
    -- After a failed attempt (a mirror not reachable yet), not claimed again before this.
    ADD COLUMN retry_after  timestamptz NULL,
    -- A webhook delivery that produced the event (GitLab, GitHub), for the deliveries view.
    ADD COLUMN delivery_id  bigint      NULL;

-- Pushes recorded before runs existed are history, not work to do.
UPDATE push_events SET processed_at = created_at, outcome = 'before_runs';

CREATE INDEX push_events_unprocessed_idx ON push_events (id) WHERE processed_at IS NULL AND state = 'recorded';
CREATE INDEX push_events_intent_idx ON push_events (id) WHERE state = 'intent';

-- What the compiled graph lacks: the push (before/after, changed paths), content ids of the
-- repository inputs, the resolved commit of other projects' inputs.
ALTER TABLE runs
    ADD COLUMN context         jsonb NOT NULL DEFAULT '{}',
    -- The last commit status sent to GitLab/GitHub; the status reporter sends until it equals status.
    ADD COLUMN reported_status text  NULL;
CREATE INDEX runs_unreported_idx ON runs (id) WHERE reported_status IS DISTINCT FROM status;
CREATE INDEX runs_filter_idx ON runs (project_id, pipeline, ref, id DESC);
