-- Retention (#13): what the pruner has already deleted of an ended build, so that it never looks at
-- the build again for that, and an index for each kind of row it deletes by age.
alter table builds
  add column logs_deleted_at timestamptz,
  add column artifacts_deleted_at timestamptz;
create index builds_ended on builds (finished_at) where finished_at is not null;
create index processed_events_at on processed_events (processed_at);
create index lease_history_at on lease_history (at);
create index resource_history_at on resource_history (at);
