-- Allocation engine: heartbeats and expiry of leases, waiting deadlines, resource history.

alter table leases
  add column heartbeat_timeout_ms bigint,
  add column expires_at timestamptz;

-- the reaper's two questions: which held leases expired, which waiting leases timed out
create index leases_expiring on leases (expires_at)
  where status in ('acquired', 'active') and expires_at is not null;
create index leases_pending_by_type on leases (type, seq) where status = 'pending';

-- free slots, least loaded first
create index resources_free on resources (type, leases_held, created_at)
  where status = 'active' and enabled;

create table resource_history (
  id          bigserial primary key,
  resource_id text not null references resources (id),
  status      text not null,
  at          timestamptz not null default clock_timestamp()
);

-- a removed host's name can be used again
drop index resources_host_name;
create unique index resources_host_name on resources (name)
  where type = 'host' and status <> 'destroyed';

-- which transaction made each lease transition: shows what happened together
alter table lease_history add column txid bigint not null default txid_current();
