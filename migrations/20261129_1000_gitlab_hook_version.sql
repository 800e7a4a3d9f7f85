-- Which version of our hook settings a GitLab link registered. Links made before merge request
-- events were subscribed are version 1; the server re-registers them once at start-up
-- (GitLabHookUpgrade) and records the version it set, so the update is not repeated.
ALTER TABLE gitlab_links ADD COLUMN hook_version integer NOT NULL DEFAULT 1;
