-- The usage ledger: what each client used, written once and never changed. Statements, quotas,
-- charts and metrics are derived from it. A client is a top-level namespace (a root group or a
-- user's personal namespace). Days are UTC days.

CREATE TABLE usage_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What produced the entry, unique with (resource, detail) so that a retried report or a
    -- reprocessed event never counts twice: 'job:<job_id>:<attempt>', 'storage:<client_id>:<day>',
    -- 'correction:<key the admin chose>'.
    source          text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('job', 'storage', 'correction')),
    -- No foreign keys: the ledger outlives the projects, jobs and users it bills.
    client_id       bigint      NOT NULL,
    project_id      bigint      NULL,
    job_id          bigint      NULL,
    attempt         integer     NULL,
    user_id         bigint      NULL,
    pipeline        text        NULL,
    resource        text        NOT NULL CHECK (resource IN ('gpu', 'cpu', 'memory', 'storage')),
    -- The GPU model for 'gpu'; for 'storage' what is stored: repository, lfs, artifacts or logs.
    detail          text        NOT NULL DEFAULT '',
    -- gpu: GPU-seconds; cpu: core-seconds; memory: GB-seconds (GB = 10^9 bytes);
    -- storage: the bytes held that day (a byte-day). Negative only in corrections.
    quantity        numeric     NOT NULL,
    day             date        NOT NULL,
    -- Everything else the runner measured (wall time, peaks, I/O, GPU utilization), as reported.
    measured        jsonb       NOT NULL DEFAULT '{}',
    corrects        bigint      NULL REFERENCES usage_entries (id),
    note            text        NULL,
    recorded_by     text        NOT NULL DEFAULT 'system',
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'correction' OR quantity >= 0),
    UNIQUE (source, resource, detail)
);
-- The ledger API pages a client's entries newest first.
CREATE INDEX usage_entries_client_idx ON usage_entries (client_id, id);

-- Append-only: a wrong entry is answered by a correction (a new entry), never by an edit.
CREATE FUNCTION usage_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage_entries is append-only: record a correction instead of % ', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER usage_entries_immutable BEFORE UPDATE OR DELETE ON usage_entries
    FOR EACH ROW EXECUTE FUNCTION usage_entries_refuse_change();
CREATE TRIGGER usage_entries_no_truncate BEFORE TRUNCATE ON usage_entries
    FOR EACH STATEMENT EXECUTE FUNCTION usage_entries_refuse_change();

-- Rollups kept in step with the ledger by the trigger below, in the same transaction, so that a
-- statement over a million entries reads a few thousand rows and quota checks read a handful.
-- project_id 0 and pipeline '' stand for "none" (storage belongs to the client, not a project).
CREATE TABLE usage_daily (
    client_id   bigint  NOT NULL,
    day         date    NOT NULL,
    project_id  bigint  NOT NULL,
    pipeline    text    NOT NULL,
    resource    text    NOT NULL,
    detail      text    NOT NULL,
    quantity    numeric NOT NULL,
    entries     bigint  NOT NULL,
    PRIMARY KEY (client_id, day, project_id, pipeline, resource, detail)
);
CREATE INDEX usage_daily_day_idx ON usage_daily (day, resource);

CREATE TABLE usage_totals (
    client_id   bigint  NOT NULL,
    resource    text    NOT NULL,
    detail      text    NOT NULL,
    quantity    numeric NOT NULL,
    entries     bigint  NOT NULL,
    PRIMARY KEY (client_id, resource, detail)
);

-- Statement-level, over the rows really inserted (an INSERT … ON CONFLICT DO NOTHING that
-- skipped a duplicate adds nothing here). Sorted so that concurrent ingestions lock rollup rows
-- in the same order and cannot deadlock each other.
CREATE FUNCTION usage_entries_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_daily AS d (client_id, day, project_id, pipeline, resource, detail, quantity, entries)
    SELECT client_id, day, COALESCE(project_id, 0), COALESCE(pipeline, ''), resource, detail, sum(quantity), count(*)
    FROM added GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (client_id, day, project_id, pipeline, resource, detail)
    DO UPDATE SET quantity = d.quantity + excluded.quantity, entries = d.entries + excluded.entries;

    INSERT INTO usage_totals AS t (client_id, resource, detail, quantity, entries)
    SELECT client_id, resource, detail, sum(quantity), count(*)
    FROM added GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (client_id, resource, detail)
    DO UPDATE SET quantity = t.quantity + excluded.quantity, entries = t.entries + excluded.entries;
    RETURN NULL;
END $$;
CREATE TRIGGER usage_entries_roll_up AFTER INSERT ON usage_entries
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION usage_entries_roll_up();

-- Job attempts whose final usage has arrived and is not in the ledger yet: an outbox filled by
-- the trigger below, drained by the ingestion worker with FOR UPDATE SKIP LOCKED, so several
-- server replicas share the work and a notification missed while none listened is not lost.
CREATE TABLE usage_ingest_queue (
    job_id      bigint      NOT NULL,
    attempt     integer     NOT NULL,
    queued_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt)
);

CREATE FUNCTION job_usage_queue_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.final AND (TG_OP = 'INSERT' OR NOT OLD.final) THEN
        INSERT INTO usage_ingest_queue (job_id, attempt) VALUES (NEW.job_id, NEW.attempt) ON CONFLICT DO NOTHING;
        PERFORM pg_notify('mlops_usage_final', NEW.job_id || ':' || NEW.attempt);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER job_usage_queue_final AFTER INSERT OR UPDATE OF final ON job_usage
    FOR EACH ROW EXECUTE FUNCTION job_usage_queue_final();

-- Finds attempts that will never be final (the runner died and the job was retried or failed)
-- without scanning every finished attempt.
CREATE INDEX job_usage_open_idx ON job_usage (reported_at) WHERE NOT final;
CREATE INDEX job_logs_client_idx ON job_logs (client_id);
CREATE INDEX jobs_client_running_idx ON jobs (client_id) WHERE status = 'running';

-- The bytes this server stores for a client, each counted once per client however many of its
-- projects reference them: embedded repositories (a GitLab-hosted one is the forge's business),
-- LFS objects, job artifacts (stored by SHA-256) and job logs.
CREATE FUNCTION client_stored_bytes(p_client_id bigint)
RETURNS TABLE (repository bigint, lfs bigint, artifacts bigint, logs bigint) LANGUAGE sql STABLE AS $$
    SELECT
        (SELECT COALESCE(sum(p.repository_size), 0)::bigint FROM projects p
         WHERE p.git_backend = 'embedded'
           AND p.namespace_id IN (SELECT id FROM namespaces WHERE id = p_client_id OR parent_id = p_client_id)),
        (SELECT COALESCE(sum(o.size), 0)::bigint FROM lfs_objects o
         WHERE o.oid IN (SELECT plo.oid FROM project_lfs_objects plo JOIN projects p ON p.id = plo.project_id
                         WHERE p.namespace_id IN (SELECT id FROM namespaces WHERE id = p_client_id OR parent_id = p_client_id))),
        (SELECT COALESCE(sum(size_bytes), 0)::bigint FROM
            (SELECT DISTINCT ON (a.sha256) a.size_bytes FROM job_artifacts a WHERE a.client_id = p_client_id) distinct_artifacts),
        (SELECT COALESCE(sum(l.size_bytes), 0)::bigint FROM job_logs l WHERE l.client_id = p_client_id)
$$;
