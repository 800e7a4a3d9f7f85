-- The image-build listener looks for versions still building at each run status change (paced to
-- one pass per 50 ms): a partial index keeps that pass to the few versions building, whatever the
-- size of the catalog.
CREATE INDEX operation_versions_building_idx ON operation_versions (build_job_id) WHERE status = 'building';
