-- A plan's top-level timeout: the build fails when it runs longer (null: no limit).
alter table builds add column timeout_seconds bigint;
create index builds_running_with_timeout on builds (started_at) where status = 'running' and timeout_seconds is not null;
