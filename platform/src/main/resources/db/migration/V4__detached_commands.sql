-- Commands outlive the runner that started them: the runner's claim carries a heartbeat, and
-- another runner re-attaches to a command whose runner stopped beating. Output is stored by byte
-- range, so that what a re-attached runner sends again is stored once.

alter table commands
  add column request jsonb,
  add column heartbeat_at timestamptz,
  add column attempts integer not null default 0,
  add column abort_reason text,
  add column stdout_bytes bigint,
  add column stderr_bytes bigint,
  drop column output_chunks;

create index commands_running on commands (heartbeat_at) where status = 'running';

alter table log_chunks drop constraint log_chunks_pkey;
alter table log_chunks
  add column id bigserial primary key,
  add column byte_offset bigint not null default 0,
  add column byte_length integer not null default 0;
alter table log_chunks alter column seq drop not null;
create unique index log_chunks_range on log_chunks (command_id, stream, byte_offset);
