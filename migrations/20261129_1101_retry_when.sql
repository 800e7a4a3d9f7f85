-- `retry: when:`: whether a failure the runner reports, of this kind, gets the job another
-- attempt. The reasons are the compiled job's `retry_when` (frozen in jobs.spec); jobs compiled
-- before it existed have none. (A lost runner is retried by the lease reaper regardless.)
CREATE FUNCTION job_retries(p_spec jsonb, p_kind text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(p_spec -> 'retry_when', '[]'::jsonb) ?| ARRAY[p_kind, 'always']
$$;
