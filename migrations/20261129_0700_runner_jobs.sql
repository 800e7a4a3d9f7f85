-- The runner protocol's own state beside the runs schema (0200): what each runner can take on,
-- which GPUs each running job holds, metrics reported by jobs, and project/group secrets.

-- Capacity as the runner last reported it with a job request.
ALTER TABLE runners
    ADD COLUMN concurrency   integer          NOT NULL DEFAULT 1,
    ADD COLUMN cpus          double precision NOT NULL DEFAULT 0,
    ADD COLUMN memory_bytes  bigint           NOT NULL DEFAULT 0,
    ADD COLUMN allow_network boolean          NOT NULL DEFAULT false;

-- The GPUs (or MIG devices) a running job was given, by UUID: free GPUs of a runner are those
-- it reports minus those held by its running jobs, so no two jobs share one.
ALTER TABLE jobs ADD COLUMN gpu_uuids text[] NOT NULL DEFAULT '{}';

-- The matching rule for `gpus: { model: ... }` against the names nvidia-smi reports. Both are
-- lower-cased and cut into alphanumeric words (dots kept, for MIG profiles like 1g.10gb), the word
-- "nvidia" dropped; the model matches when its words appear in the device's words in order:
-- "h100" matches "NVIDIA H100 80GB HBM3", "rtx-4080" matches "NVIDIA GeForce RTX 4080 SUPER".
-- A MIG device is its own schedulable unit and matches only a model that says "mig" and names
-- its profile ("h100 mig 1g.10gb"); a plain "h100" asks for whole GPUs. No model: any whole GPU.
CREATE FUNCTION gpu_model_words(p text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(w ORDER BY n), '{}')
    FROM regexp_split_to_table(lower(COALESCE(p, '')), '[^a-z0-9.]+') WITH ORDINALITY AS t(w, n)
    WHERE w <> '' AND w <> 'nvidia'
$$;

CREATE FUNCTION gpu_model_matches(p_model text, p_device text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    want text[] := gpu_model_words(p_model);
    have text[] := gpu_model_words(p_device);
    i integer := 1;
    w text;
BEGIN
    IF ('mig' = ANY (have)) <> ('mig' = ANY (want)) THEN
        RETURN false;
    END IF;
    FOREACH w IN ARRAY have LOOP
        IF i <= array_length(want, 1) AND want[i] = w THEN
            i := i + 1;
        END IF;
    END LOOP;
    RETURN i > COALESCE(array_length(want, 1), 0);
END $$;

-- Values a job reported: `::metric name=... value=... step=...` log lines or a `metrics` output.
-- One value per (job, attempt, name, step); a re-sent report overwrites, never duplicates.
CREATE TABLE job_metrics (
    job_id      bigint           NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     integer          NOT NULL,
    name        text             NOT NULL,
    -- -1 when the job gave no step (a final figure).
    step        bigint           NOT NULL DEFAULT -1,
    value       double precision NOT NULL,
    reported_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt, name, step)
);

-- Secrets of a project or of a group (inherited by its projects and subgroups' projects), stored
-- encrypted with the server's SecretProtector; only names are ever listed back.
CREATE TABLE secrets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint      NULL REFERENCES projects (id) ON DELETE CASCADE,
    namespace_id  bigint      NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    name          text        NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
    ciphertext    bytea       NOT NULL,
    created_by    bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((project_id IS NULL) <> (namespace_id IS NULL))
);
CREATE UNIQUE INDEX secrets_project_name_key ON secrets (project_id, name) WHERE project_id IS NOT NULL;
CREATE UNIQUE INDEX secrets_namespace_name_key ON secrets (namespace_id, name) WHERE namespace_id IS NOT NULL;

-- How an artifact is stored: a plain file, or a tar of a folder output (unpacked where it is staged).
ALTER TABLE job_artifacts ADD COLUMN format text NOT NULL DEFAULT 'file' CHECK (format IN ('file', 'tar'));
