-- An LFS object arrives through the batch API before the push that refers to it, and that push
-- may be refused. Uploaded objects are linked to the project at once (so the uploader's retry
-- skips them and readers can fetch them), but they count toward storage only once a ref reaches
-- them: `reachable` is set by an accepted push that brings their pointers, or by housekeeping,
-- which also removes links that no ref has reached after a grace period.
ALTER TABLE project_lfs_objects ADD COLUMN reachable boolean NOT NULL DEFAULT true;
-- Existing links came with accepted pushes (or cannot be told apart): they stay counted.
ALTER TABLE project_lfs_objects ALTER COLUMN reachable SET DEFAULT false;
CREATE INDEX project_lfs_objects_unreachable_idx ON project_lfs_objects (created_at) WHERE NOT reachable;

CREATE OR REPLACE VIEW namespace_lfs_storage AS
SELECT root.id AS namespace_id, root.full_path, COALESCE(sum(o.size), 0)::bigint AS lfs_bytes, count(o.oid) AS lfs_objects
FROM namespaces root
LEFT JOIN LATERAL (
    SELECT DISTINCT plo.oid
    FROM project_lfs_objects plo
    JOIN projects p ON p.id = plo.project_id
    JOIN namespaces n ON n.id = p.namespace_id
    WHERE (n.id = root.id OR n.parent_id = root.id) AND plo.reachable
) used ON true
LEFT JOIN lfs_objects o ON o.oid = used.oid
WHERE root.parent_id IS NULL
GROUP BY root.id, root.full_path;
