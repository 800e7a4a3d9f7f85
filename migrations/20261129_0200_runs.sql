-- Pipeline runs and their jobs. A run is one (pipeline, commit, trigger); its compiled job graph
-- is frozen at creation, so a later change of mlops.yml or of an operation never changes it.
-- Jobs are not Hangfire jobs: runners claim pending ones with FOR UPDATE SKIP LOCKED and are
-- woken by NOTIFY mlops_jobs_pending (sent by advance_run below).

CREATE TABLE runs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id         bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- The client billed: the project's top-level namespace at creation time.
    client_id          bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    -- NULL for a run that records a broken mlops.yml: it belongs to no pipeline.
    pipeline           text        NULL,
    ref                text        NOT NULL,
    commit_sha         text        NOT NULL,
    trigger            text        NOT NULL CHECK (trigger IN ('push', 'tag', 'merge_request', 'manual', 'schedule', 'retry', 'operation')),
    status             text        NOT NULL DEFAULT 'created'
                       CHECK (status IN ('created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped')),
    push_event_id      bigint      NULL REFERENCES push_events (id) ON DELETE SET NULL,
    delivery_id        bigint      NULL,
    triggered_by       bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    triggered_by_name  text        NOT NULL,
    params             jsonb       NOT NULL DEFAULT '{}',
    -- The compiled MlOps.Pipelines JobGraph plus what it lacks (resolved inputs, content ids).
    graph              jsonb       NULL,
    -- Compiler messages (file, line, column) for a broken definition; the run is failed.
    error              jsonb       NULL,
    concurrency_group  text        NULL,
    retry_of           bigint      NULL REFERENCES runs (id) ON DELETE SET NULL,
    -- Makes creation exactly-once: e.g. 'push:<push_event_id>:<pipeline>', 'delivery:<id>:<pipeline>',
    -- 'schedule:<pipeline>:<slot>'. NULL for manual runs.
    dedup_key          text        NULL UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz NULL,
    finished_at        timestamptz NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_project_idx ON runs (project_id, id DESC);
CREATE INDEX runs_concurrency_idx ON runs (project_id, concurrency_group) WHERE status IN ('created', 'pending', 'running');

CREATE TABLE jobs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id             bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    project_id         bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id          bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    name               text        NOT NULL,
    -- Copied from the run so that the runner protocol and the usage ledger need only this table.
    pipeline           text        NOT NULL,
    ref                text        NOT NULL,
    commit_sha         text        NOT NULL,
    triggered_by       bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    status             text        NOT NULL DEFAULT 'created'
                       CHECK (status IN ('created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'cached')),
    -- Names of the jobs of the same run that must succeed (or be cached) first.
    needs              text[]      NOT NULL DEFAULT '{}',
    -- The compiled MlOps.Pipelines Job, frozen: image, argv, env, secrets by name, inputs, outputs, resources.
    spec               jsonb       NOT NULL,
    -- Matching columns, copied out of spec so that the claim query can use them.
    tags               text[]      NOT NULL DEFAULT '{}',
    gpus               integer     NOT NULL DEFAULT 0,
    gpu_model          text        NULL,
    cpus               double precision NOT NULL DEFAULT 0,
    memory_bytes       bigint      NOT NULL DEFAULT 0,
    timeout_seconds    integer     NOT NULL DEFAULT 3600,
    cache_key          text        NULL,
    cached_from        bigint      NULL REFERENCES jobs (id) ON DELETE SET NULL,
    attempt            integer     NOT NULL DEFAULT 1,
    max_attempts       integer     NOT NULL DEFAULT 3,
    runner_id          bigint      NULL REFERENCES runners (id) ON DELETE SET NULL,
    -- SHA-256 of the job token: valid only for this job, only while it runs.
    token_hash         bytea       NULL,
    lease_expires_at   timestamptz NULL,
    cancel_requested   boolean     NOT NULL DEFAULT false,
    exit_code          integer     NULL,
    failure_reason     text        NULL,
    -- Why a pending job is not started yet (e.g. a quota), shown to users.
    waiting_reason     text        NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    queued_at          timestamptz NULL,
    started_at         timestamptz NULL,
    finished_at        timestamptz NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, name)
);
CREATE INDEX jobs_pending_idx ON jobs (id) WHERE status = 'pending';
CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_cache_idx ON jobs (project_id, cache_key) WHERE status = 'success';
CREATE UNIQUE INDEX jobs_token_hash_key ON jobs (token_hash) WHERE token_hash IS NOT NULL;

-- Moves a run forward after any change of its jobs' states, in the caller's transaction:
-- created jobs whose needs failed, were canceled or skipped become skipped; created jobs whose
-- needs all succeeded (or were cached) become pending, and waiting runners are notified; the
-- run's status is derived from its jobs. Every feature that changes a job's state calls it, so
-- the rule lives in one place.
CREATE FUNCTION advance_run(p_run_id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    changed integer;
    new_status text;
    has_error boolean;
BEGIN
    -- Serialises concurrent advances of one run.
    SELECT error IS NOT NULL INTO has_error FROM runs WHERE id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    LOOP
        UPDATE jobs j SET status = 'skipped', finished_at = now(), updated_at = now()
        WHERE j.run_id = p_run_id AND j.status = 'created'
          AND EXISTS (SELECT 1 FROM jobs d WHERE d.run_id = p_run_id AND d.name = ANY (j.needs)
                      AND d.status IN ('failed', 'canceled', 'skipped'));
        GET DIAGNOSTICS changed = ROW_COUNT;
        EXIT WHEN changed = 0;
    END LOOP;

    UPDATE jobs j SET status = 'pending', queued_at = now(), updated_at = now()
    WHERE j.run_id = p_run_id AND j.status = 'created'
      AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.run_id = p_run_id AND d.name = ANY (j.needs)
                      AND d.status NOT IN ('success', 'cached'));
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed > 0 THEN
        PERFORM pg_notify('mlops_jobs_pending', p_run_id::text);
    END IF;

    SELECT CASE
        WHEN has_error THEN 'failed'
        WHEN count(*) = 0 THEN 'success'
        WHEN bool_or(status = 'running') THEN 'running'
        WHEN bool_and(status IN ('created', 'pending')) THEN 'pending'
        WHEN bool_or(status IN ('created', 'pending')) THEN 'running'
        WHEN bool_or(status = 'failed') THEN 'failed'
        WHEN bool_or(status = 'canceled') THEN 'canceled'
        WHEN bool_and(status = 'skipped') THEN 'skipped'
        ELSE 'success' END
    INTO new_status FROM jobs WHERE run_id = p_run_id;

    UPDATE runs SET status = new_status, updated_at = now(),
        started_at = CASE WHEN new_status <> 'pending' AND started_at IS NULL
                          THEN (SELECT min(started_at) FROM jobs WHERE run_id = p_run_id) ELSE started_at END,
        finished_at = CASE WHEN new_status IN ('success', 'failed', 'canceled', 'skipped') THEN COALESCE(finished_at, now()) ELSE NULL END
    WHERE id = p_run_id AND status IS DISTINCT FROM new_status;
    IF FOUND THEN
        -- Listeners (commit statuses, pages following a run) learn of every change of a run's status.
        PERFORM pg_notify('mlops_run_status', p_run_id::text);
    END IF;
    RETURN new_status;
END $$;

-- Why a client may not start a job now (a quota), or NULL when it may. The claim query skips jobs
-- for which it answers a reason and records the reason on the job. Usage and billing replace it
-- (CREATE OR REPLACE) with the real quota rules; until then nothing is limited.
CREATE FUNCTION job_quota_reason(p_client_id bigint, p_gpus integer) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT NULL::text
$$;

-- What each job attempt used, as the runner measured it: updated with every heartbeat while it
-- runs (so a runner that dies leaves the usage up to its last report) and final when it ends.
-- The usage ledger is written from final rows, once per (job, attempt).
CREATE TABLE job_usage (
    job_id              bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt             integer     NOT NULL,
    runner_id           bigint      NULL REFERENCES runners (id) ON DELETE SET NULL,
    wall_seconds        double precision NOT NULL DEFAULT 0,
    cpu_core_seconds    double precision NOT NULL DEFAULT 0,
    memory_peak_bytes   bigint      NOT NULL DEFAULT 0,
    memory_gb_seconds   double precision NOT NULL DEFAULT 0,
    disk_read_bytes     bigint      NOT NULL DEFAULT 0,
    disk_write_bytes    bigint      NOT NULL DEFAULT 0,
    network_rx_bytes    bigint      NOT NULL DEFAULT 0,
    network_tx_bytes    bigint      NOT NULL DEFAULT 0,
    artifact_bytes      bigint      NOT NULL DEFAULT 0,
    final               boolean     NOT NULL DEFAULT false,
    started_at          timestamptz NULL,
    finished_at         timestamptz NULL,
    reported_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt)
);

-- GPU use of a job attempt, one row per GPU (or MIG device) it was given.
CREATE TABLE job_gpu_usage (
    job_id              bigint      NOT NULL,
    attempt             integer     NOT NULL,
    gpu_uuid            text        NOT NULL,
    gpu_model           text        NOT NULL,
    gpu_seconds         double precision NOT NULL DEFAULT 0,
    avg_utilization     double precision NOT NULL DEFAULT 0,
    peak_memory_bytes   bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, attempt, gpu_uuid),
    FOREIGN KEY (job_id, attempt) REFERENCES job_usage (job_id, attempt) ON DELETE CASCADE
);

-- A job's log, stored on disk as one file that only grows (appended at a byte offset).
CREATE TABLE job_logs (
    job_id              bigint      PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    project_id          bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id           bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    size_bytes          bigint      NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Outputs a job uploaded, stored on disk by SHA-256; the usage ledger counts their bytes per client.
CREATE TABLE job_artifacts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id              bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    project_id          bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id           bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    name                text        NOT NULL,
    type                text        NOT NULL DEFAULT 'file',
    size_bytes          bigint      NOT NULL,
    sha256              text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, name)
);
CREATE INDEX job_artifacts_client_idx ON job_artifacts (client_id);
