-- claim_job, two changes:
-- - Its statements run with generic plans, made once per connection and kept
--   (plan_cache_mode = force_generic_plan, in the definition, so that a later CREATE OR REPLACE
--   keeps it only if it says it again). Under the default mode several of them were planned again
--   at every claim, because their custom plans looked cheaper than the generic one: an eighth of
--   the database's time in a burst of claims (bench/runner, 32 runners, perf). None of their plans
--   depends on the parameters' values: the job walk always follows jobs_pending_idx, the rest go
--   by key.
-- - The GPUs held by the runner's running jobs are gathered only when the runner has GPUs; that
--   walk over its running jobs was the dearest statement of a claim by a busy runner without any.
CREATE OR REPLACE FUNCTION claim_job(
    p_runner_token_hash bytea, p_concurrency integer, p_executor text, p_tags text[], p_gpus jsonb,
    p_cpus double precision, p_memory_bytes bigint, p_allow_network boolean,
    p_gpu_uuids text[], p_gpu_names text[],       -- the runner's devices in index order
    p_job_token_hash bytea, p_lease_seconds double precision)
RETURNS TABLE (outcome text, id bigint, run_id bigint, project_id bigint, name text, attempt integer, ref text,
               commit_sha text, spec text, gpu_uuids text[], project_path text, log_offset bigint, has_needs boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_runner_id bigint;
    v_paused boolean;
    v_running integer;
    v_held text[];
    v_free_uuids text[];
    v_free_names text[];
    v_job_id bigint;
    v_job_gpus integer;
    v_job_model text;
    v_job_client bigint;
    v_reason text;
    v_candidates refcursor;
    v_assigned text[] := '{}';
BEGIN
    UPDATE runners r SET contacted_at = now(), concurrency = p_concurrency, executor = p_executor, tags = p_tags,
                         gpus = p_gpus, cpus = p_cpus, memory_bytes = p_memory_bytes, allow_network = p_allow_network
    WHERE r.token_hash = p_runner_token_hash
    RETURNING r.id, r.paused INTO v_runner_id, v_paused;
    IF NOT FOUND THEN
        outcome := 'unknown_runner'; RETURN NEXT; RETURN;
    END IF;
    IF v_paused THEN
        outcome := 'paused'; RETURN NEXT; RETURN;
    END IF;

    SELECT count(*) INTO v_running FROM jobs j WHERE j.runner_id = v_runner_id AND j.status = 'running';
    IF v_running >= greatest(1, p_concurrency) THEN
        outcome := 'full'; RETURN NEXT; RETURN;
    END IF;
    -- The GPUs this runner's running jobs hold are looked up only when it has GPUs to give.
    IF cardinality(p_gpu_uuids) > 0 THEN
        SELECT COALESCE(array_agg(u), '{}') INTO v_held
        FROM jobs j, unnest(j.gpu_uuids) AS u
        WHERE j.runner_id = v_runner_id AND j.status = 'running';

        SELECT COALESCE(array_agg(d.u ORDER BY d.i), '{}'), COALESCE(array_agg(d.n ORDER BY d.i), '{}')
        INTO v_free_uuids, v_free_names
        FROM unnest(p_gpu_uuids, p_gpu_names) WITH ORDINALITY AS d(u, n, i)
        WHERE NOT (d.u = ANY (v_held));
    ELSE
        v_free_uuids := '{}';
        v_free_names := '{}';
    END IF;

    -- Pending jobs are walked oldest first through a cursor, one row (and one row lock) at a
    -- time: a cursor is planned for a fast first row, so the walk follows jobs_pending_idx and
    -- stops at the first job it may take. (As one SELECT ... LIMIT 1, a burst of thousands of
    -- pending jobs with stale statistics got a plan that sorted them all at every claim, and
    -- evaluated the quota on each one first.) The quota is asked only of a job about to be taken;
    -- one over its client's quota gets the reason written on it and is passed over.
    OPEN v_candidates FOR
        SELECT j.id, j.gpus, j.gpu_model, j.client_id
        FROM jobs j
        WHERE j.status = 'pending'
          AND j.tags <@ p_tags
          AND (p_cpus = 0 OR j.cpus <= p_cpus)
          AND (p_memory_bytes = 0 OR j.memory_bytes <= p_memory_bytes)
          AND (p_allow_network OR COALESCE(j.spec ->> 'network', 'none') = 'none')
          AND (p_executor = 'docker' OR j.spec -> 'image_build' IS NULL)   -- image builds need a Docker engine
          AND (j.gpus = 0 OR (SELECT count(*) FROM unnest(v_free_names) d WHERE gpu_model_matches(j.gpu_model, d)) >= j.gpus)
        ORDER BY j.id
        FOR UPDATE OF j SKIP LOCKED;
    LOOP
        FETCH v_candidates INTO v_job_id, v_job_gpus, v_job_model, v_job_client;
        EXIT WHEN NOT FOUND;
        v_reason := job_quota_reason(v_job_client, v_job_gpus);
        EXIT WHEN v_reason IS NULL;
        UPDATE jobs j SET waiting_reason = v_reason, updated_at = now()
        WHERE j.id = v_job_id AND j.waiting_reason IS DISTINCT FROM v_reason;
        v_job_id := NULL;
    END LOOP;
    CLOSE v_candidates;
    IF v_job_id IS NULL THEN
        -- Users see why a job waits; only jobs this runner could otherwise take are looked at, and a
        -- reason is written only when it changed, so an idle poll writes nothing.
        UPDATE jobs j SET waiting_reason = q.reason, updated_at = now()
        FROM (SELECT p.id, job_quota_reason(p.client_id, p.gpus) AS reason FROM jobs p
              WHERE p.status = 'pending' AND p.tags <@ p_tags) q
        WHERE j.id = q.id AND q.reason IS NOT NULL AND j.waiting_reason IS DISTINCT FROM q.reason;
        outcome := 'none'; RETURN NEXT; RETURN;
    END IF;

    IF v_job_gpus > 0 THEN
        SELECT array_agg(d.u ORDER BY d.i) INTO v_assigned
        FROM (SELECT f.u, f.i FROM unnest(v_free_uuids, v_free_names) WITH ORDINALITY AS f(u, n, i)
              WHERE gpu_model_matches(v_job_model, f.n) ORDER BY f.i LIMIT v_job_gpus) d;
    END IF;

    UPDATE jobs j SET status = 'running', runner_id = v_runner_id, token_hash = p_job_token_hash, gpu_uuids = v_assigned,
                      lease_expires_at = now() + make_interval(secs => p_lease_seconds), started_at = now(),
                      waiting_reason = NULL, updated_at = now()
    FROM projects p JOIN namespaces n ON n.id = p.namespace_id
    WHERE j.id = v_job_id AND p.id = j.project_id
    RETURNING 'claimed', j.id, j.run_id, j.project_id, j.name, j.attempt, j.ref, j.commit_sha, j.spec::text, j.gpu_uuids,
              n.full_path || '/' || p.path,
              COALESCE((SELECT l.size_bytes FROM job_logs l WHERE l.job_id = j.id), 0),
              cardinality(j.needs) > 0
    INTO outcome, id, run_id, project_id, name, attempt, ref, commit_sha, spec, gpu_uuids, project_path, log_offset, has_needs;

    INSERT INTO job_usage AS u (job_id, attempt, runner_id, started_at) VALUES (claim_job.id, claim_job.attempt, v_runner_id, now())
    ON CONFLICT (job_id, attempt) DO UPDATE SET runner_id = EXCLUDED.runner_id, started_at = EXCLUDED.started_at;
    UPDATE runs r SET status = 'running', updated_at = now(), started_at = COALESCE(r.started_at, now()), finished_at = NULL,
        reported_status = CASE WHEN (SELECT p.git_backend FROM projects p WHERE p.id = r.project_id) = 'embedded'
                               THEN 'running' ELSE r.reported_status END
    WHERE r.id = claim_job.run_id AND r.status <> 'running' AND r.error IS NULL;
    IF FOUND THEN
        PERFORM pg_notify('mlops_run_status', claim_job.run_id::text);
    END IF;
    RETURN NEXT;
END $$;
