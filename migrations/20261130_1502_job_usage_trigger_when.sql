-- job_usage_queue_final fired for every row written to job_usage (each claim inserts one, each
-- heartbeat updates one) only to find it was not final. With WHEN conditions the trigger is
-- queued only for the write that makes an attempt final; the function is unchanged.
DROP TRIGGER job_usage_queue_final ON job_usage;
CREATE TRIGGER job_usage_queue_final AFTER INSERT ON job_usage
    FOR EACH ROW WHEN (NEW.final) EXECUTE FUNCTION job_usage_queue_final();
CREATE TRIGGER job_usage_queue_final_update AFTER UPDATE OF final ON job_usage
    FOR EACH ROW WHEN (NEW.final AND NOT OLD.final) EXECUTE FUNCTION job_usage_queue_final();
