-- Optimistic locking of resources and leases (#13): every change through the entities compares and
-- bumps version, and so do the statements that change what a row means (a host's slots, the host
-- key the runner pins on first contact). Slot counters and working-copy claims do not: the entities
-- never write those columns (each write names only the columns it changes).
alter table resources add column version bigint not null default 0;
alter table leases add column version bigint not null default 0;

-- a removed host's name can be used again as soon as it is removed, even while the old host still
-- waits for its last lease to be released
drop index resources_host_name;
create unique index resources_host_name on resources (name)
  where type = 'host' and status not in ('released', 'destroyed');
