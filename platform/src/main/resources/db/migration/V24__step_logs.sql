-- A step's log has an id of its own (#12): a run or artifact step's log is its command's (the id
-- of its commands row); a lease-working-copy step's log holds what its checkout printed, and no
-- commands row stands for it any more (rows of status 'checkout-log' written before stay, for the
-- logs of old builds). log_chunks.command_id holds the log's id.
alter table steps add column log_id text;

update steps set log_id = command_id where command_id is not null;

alter table log_chunks drop constraint if exists log_chunks_command_id_fkey;

create index steps_log on steps (log_id) where log_id is not null;
