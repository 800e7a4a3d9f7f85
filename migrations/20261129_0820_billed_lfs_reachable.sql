-- Stored bytes bill only LFS objects a pushed ref reaches: uploads of a refused push are linked
-- to the project (so a retried push need not upload them again) but neither counted in the
-- project's size nor billed; housekeeping collects them after the grace period.
CREATE OR REPLACE FUNCTION client_stored_bytes(p_client_id bigint)
RETURNS TABLE (repository bigint, lfs bigint, artifacts bigint, logs bigint) LANGUAGE sql STABLE AS $$
    SELECT
        (SELECT COALESCE(sum(p.repository_size), 0)::bigint FROM projects p
         WHERE p.git_backend = 'embedded'
           AND p.namespace_id IN (SELECT id FROM namespaces WHERE id = p_client_id OR parent_id = p_client_id)),
        (SELECT COALESCE(sum(o.size), 0)::bigint FROM lfs_objects o
         WHERE o.oid IN (SELECT plo.oid FROM project_lfs_objects plo JOIN projects p ON p.id = plo.project_id
                         WHERE plo.reachable
                           AND p.namespace_id IN (SELECT id FROM namespaces WHERE id = p_client_id OR parent_id = p_client_id))),
        (SELECT COALESCE(sum(size_bytes), 0)::bigint FROM
            (SELECT DISTINCT ON (a.sha256) a.size_bytes FROM job_artifacts a WHERE a.client_id = p_client_id) distinct_artifacts),
        (SELECT COALESCE(sum(l.size_bytes), 0)::bigint FROM job_logs l WHERE l.client_id = p_client_id)
$$;
