-- Every push asks whether its project has LFS objects no ref reaches yet (only then is the push
-- scanned for pointers); this answers it without reading the project's other links.
CREATE INDEX project_lfs_objects_waiting_idx ON project_lfs_objects (project_id) WHERE NOT reachable;
