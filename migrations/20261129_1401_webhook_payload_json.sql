-- A delivery's payload is kept as json, the text as it arrived (checked, not decomposed): every
-- delivery is written once and read back once whole, and jsonb's decomposition on the way in and
-- re-serialisation on the way out was most of the database's work per delivery at ingest.
ALTER TABLE webhook_deliveries ALTER COLUMN payload TYPE json USING payload::json;

-- A delivery (a push payload is a few kB) stays in its row, uncompressed: compressing it on the
-- way in and back out on the way to the processor cost more than the space it saved. Larger
-- payloads are still moved out of line as usual.
ALTER TABLE webhook_deliveries SET (toast_tuple_target = 8160);
