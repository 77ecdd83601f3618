-- The deadline sweep reads running wait steps every second on every coordinator: by an index,
-- not by scanning every step of every build.
create index steps_running_waits on steps (build_id) where status = 'running' and kind = 'wait';
