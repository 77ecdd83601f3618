-- Dynamic hosts (#14): hosts a script-host blueprint makes at a provider and destroys after.

-- the idempotency token given to provision, written with the pending row before provision runs
-- (intent before action); what the provider calls the host; what provision printed (given to
-- destroy)
alter table resources
  add column token text,
  add column provider_id text,
  add column provision_output jsonb;
create unique index resources_token on resources (token) where token is not null;
create index resources_provider on resources (blueprint_id, provider_id)
  where provider_id is not null;

-- why each move happened, for a resource's history
alter table resource_history add column reason text;

-- what the blueprint's scripts wrote on stderr, per resource
create table resource_log (
  id          bigserial primary key,
  resource_id text not null references resources (id),
  at          timestamptz not null default clock_timestamp(),
  source      text not null,
  line        text not null
);
create index resource_log_resource on resource_log (resource_id, id);
create index resource_log_at on resource_log (at);

-- this installation's name at providers: the tag its scripts put on what they make, so that the
-- reaper never destroys another installation's instances
create table installation (
  id    integer primary key check (id = 1),
  tag   text not null
);
insert into installation (id, tag) values (1, 'slipway-' || substr(md5(gen_random_uuid()::text), 1, 12));
