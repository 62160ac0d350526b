-- The vocabulary check, paid only by event types that could be missing. Same refusal (SQLSTATE 23503,
-- same message and DETAIL), same chain, no stored row changes. Idempotent like the others.
--
-- 003 checked every INSERT statement with an AFTER trigger over its transition table: for the fleet's
-- one-event appends that trigger (queueing the statement's rows, a plpgsql call, a lookup) was one of
-- the largest parts of the server's work per append. Yet almost every event carries one of the types
-- 001 seeded, and event_types only grows (003): a seeded type is in the vocabulary for good. So the check
-- becomes a row trigger whose WHEN clause (a plain comparison, no function call) skips those types; any
-- other type is looked up in event_types row by row, exactly as strictly as before.

-- The WHEN list below is only sound while these rows exist: make sure of it (a no-op after 001).
INSERT INTO opstate.event_types (event_type) VALUES
  ('kora.operational_state.transitioned'),
  ('kora.boot.ready'),
  ('kora.boot.failed'),
  ('kora.paused.cost_limit')
ON CONFLICT (event_type) DO NOTHING;

CREATE OR REPLACE FUNCTION opstate.check_event_type() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- No row lock: event_types refuses UPDATE, DELETE and TRUNCATE, so a type found here cannot vanish.
  IF NOT EXISTS (SELECT 1 FROM opstate.event_types t WHERE t.event_type = NEW.event_type) THEN
    RAISE EXCEPTION 'insert on table "event_log" violates foreign key constraint "event_log_event_type_fkey"'
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (event_type)=(%s) is not present in table "event_types".', NEW.event_type);
  END IF;
  RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER event_log_event_type
  BEFORE INSERT ON opstate.event_log
  FOR EACH ROW
  WHEN (NEW.event_type NOT IN ('kora.operational_state.transitioned', 'kora.boot.ready', 'kora.boot.failed',
                               'kora.paused.cost_limit'))
  EXECUTE FUNCTION opstate.check_event_type();

DROP TRIGGER IF EXISTS event_log_vocabulary ON opstate.event_log;
DROP FUNCTION IF EXISTS opstate.check_vocabulary();
