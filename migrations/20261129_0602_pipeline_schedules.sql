-- `on: schedule` entries, as found at the head of the branch they run on (a schedule without
-- `branch:` runs on the default branch). Refreshed whenever a push to that branch is processed,
-- so the scheduler never has to read every repository each minute. A slot fires once however
-- many replicas tick: its run's dedup key is 'schedule:<project>:<pipeline>:<cron>:<minute>'.
CREATE TABLE pipeline_schedules (
    project_id  bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    branch      text        NOT NULL,
    pipeline    text        NOT NULL,
    cron        text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, branch, pipeline, cron)
);
