-- A run of an embedded project has no Git host to report its status to: advance_run marks it
-- reported as it changes it. The status reporter used to mark them in bulk at every change
-- (one more write of each run row, and a scan, per job claimed or finished); it still marks any
-- that lag, for runs changed another way.
CREATE OR REPLACE FUNCTION advance_run(p_run_id bigint) RETURNS text LANGUAGE plpgsql AS $$
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
        reported_status = CASE WHEN (SELECT p.git_backend FROM projects p WHERE p.id = runs.project_id) = 'embedded'
                               THEN new_status ELSE reported_status END,
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
