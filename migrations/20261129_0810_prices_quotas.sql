-- Prices and quotas per client. Money is numeric, never floating point; prices take effect at
-- 00:00 UTC on their effective date, so a statement splits a line where a price changes.

-- A price list (client_id NULL) and per-client overrides. gpu_model '' prices every GPU model
-- that has no price of its own. Units: gpu per GPU-hour, cpu per core-hour, memory per GB-hour,
-- storage per GB-month (GB = 10^9 bytes).
CREATE TABLE prices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       bigint      NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    resource        text        NOT NULL CHECK (resource IN ('gpu', 'cpu', 'memory', 'storage')),
    gpu_model       text        NOT NULL DEFAULT '' CHECK (resource = 'gpu' OR gpu_model = ''),
    unit_price      numeric(20, 8) NOT NULL CHECK (unit_price >= 0),
    effective_from  date        NOT NULL,
    created_by      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX prices_key ON prices (COALESCE(client_id, 0), resource, gpu_model, effective_from);

-- Limits per client; NULL means unlimited. No row: nothing is limited.
CREATE TABLE client_quotas (
    client_id            bigint      PRIMARY KEY REFERENCES namespaces (id) ON DELETE CASCADE,
    gpu_hours_per_month  numeric(14, 2) NULL CHECK (gpu_hours_per_month >= 0),
    concurrent_jobs      integer     NULL CHECK (concurrent_jobs >= 0),
    concurrent_gpus      integer     NULL CHECK (concurrent_gpus >= 0),
    storage_bytes        bigint      NULL CHECK (storage_bytes >= 0),
    updated_by           text        NOT NULL,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Warnings when a client reaches 80 % and 100 % of a quota, once per quota, threshold and month.
CREATE TABLE quota_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   bigint      NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    quota       text        NOT NULL CHECK (quota IN ('gpu_hours_per_month', 'storage_bytes')),
    threshold   integer     NOT NULL CHECK (threshold IN (80, 100)),
    period      date        NOT NULL,
    used        numeric     NOT NULL,
    quota_limit numeric     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, quota, threshold, period)
);

-- GPU-seconds a client used in the current UTC month: the ledger's rollup, plus attempts still
-- running (their last heartbeat) and final ones waiting for ingestion, so that a quota holds
-- while jobs run and not only after they are booked.
CREATE FUNCTION client_gpu_seconds_this_month(p_client_id bigint) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT sum(quantity) FROM usage_daily
                     WHERE client_id = p_client_id AND resource = 'gpu'
                       AND day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date), 0)
         + COALESCE((SELECT sum(g.gpu_seconds)::numeric
                     FROM job_usage u
                     JOIN jobs j ON j.id = u.job_id
                     JOIN job_gpu_usage g ON g.job_id = u.job_id AND g.attempt = u.attempt
                     WHERE j.client_id = p_client_id
                       AND ((j.status = 'running' AND u.attempt = j.attempt AND NOT u.final)
                            OR EXISTS (SELECT 1 FROM usage_ingest_queue q WHERE q.job_id = u.job_id AND q.attempt = u.attempt))), 0)
$$;

-- Replaces the placeholder of 20261129_0200_runs.sql. The runner's claim query skips a job for
-- which this answers a reason and shows the reason on the job; the job is claimed by itself once
-- the reason is gone (a job ends, a quota is raised, a new month starts).
CREATE OR REPLACE FUNCTION job_quota_reason(p_client_id bigint, p_gpus integer) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    q client_quotas;
    running_jobs bigint;
    running_gpus bigint;
    used_hours numeric;
BEGIN
    SELECT * INTO q FROM client_quotas WHERE client_id = p_client_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF q.concurrent_jobs IS NOT NULL OR q.concurrent_gpus IS NOT NULL THEN
        SELECT count(*), COALESCE(sum(gpus), 0) INTO running_jobs, running_gpus
        FROM jobs WHERE client_id = p_client_id AND status = 'running';
        IF running_jobs >= q.concurrent_jobs THEN
            RETURN format('quota exceeded: %s of %s concurrent jobs running', running_jobs, q.concurrent_jobs);
        END IF;
        IF p_gpus > 0 AND running_gpus + p_gpus > q.concurrent_gpus THEN
            RETURN format('quota exceeded: %s of %s concurrent GPUs in use, this job needs %s',
                          running_gpus, q.concurrent_gpus, p_gpus);
        END IF;
    END IF;
    IF p_gpus > 0 AND q.gpu_hours_per_month IS NOT NULL THEN
        used_hours := client_gpu_seconds_this_month(p_client_id) / 3600;
        IF used_hours >= q.gpu_hours_per_month THEN
            RETURN format('quota exceeded: %s of %s GPU-hours this month',
                          trim_scale(round(used_hours, 1)), trim_scale(q.gpu_hours_per_month));
        END IF;
    END IF;
    RETURN NULL;
END $$;
