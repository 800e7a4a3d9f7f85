-- The webhook endpoints keep the decrypted link secrets in memory so a delivery costs one round
-- trip; every server LISTENs here and forgets them when a link is made, changed or removed (a
-- deleted project removes its link by cascade). Only the columns the check reads fire it: the
-- mirror's last_fetched_at changes on every fetch.
CREATE FUNCTION notify_hook_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('mlops_hook_links', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER gitlab_links_changed
    AFTER INSERT OR DELETE OR UPDATE OF project_id, gitlab_project_id, hook_secret_encrypted ON gitlab_links
    FOR EACH STATEMENT EXECUTE FUNCTION notify_hook_links();
CREATE TRIGGER gitlab_links_truncated AFTER TRUNCATE ON gitlab_links
    FOR EACH STATEMENT EXECUTE FUNCTION notify_hook_links();

CREATE TRIGGER github_links_changed
    AFTER INSERT OR DELETE OR UPDATE OF project_id, repository, webhook_secret_encrypted ON github_links
    FOR EACH STATEMENT EXECUTE FUNCTION notify_hook_links();
CREATE TRIGGER github_links_truncated AFTER TRUNCATE ON github_links
    FOR EACH STATEMENT EXECUTE FUNCTION notify_hook_links();
