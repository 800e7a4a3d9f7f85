-- The guest role (10): sees a project and its members, but not a private project's repository,
-- runs or artifacts (GitLab's meaning of guest).
ALTER TABLE namespace_members DROP CONSTRAINT namespace_members_access_level_check,
    ADD CONSTRAINT namespace_members_access_level_check CHECK (access_level IN (10, 20, 30, 40, 50));
ALTER TABLE project_members DROP CONSTRAINT project_members_access_level_check,
    ADD CONSTRAINT project_members_access_level_check CHECK (access_level IN (10, 20, 30, 40, 50));
