-- Slipway schema, version 1: allocation (blueprints, credentials, resources, leases),
-- builds (plans, builds, steps, commands, log chunks) and messaging (outbox, processed events).

create table blueprints (
  id            text primary key,
  name          text not null unique,
  kind          text not null,
  type          text not null,
  config        jsonb not null default '{}',
  max_resources integer,
  enabled       boolean not null default true,
  created_at    timestamptz not null default now()
);

insert into blueprints (id, name, kind, type)
values ('static-host', 'static-host', 'static-host', 'host');

create table credentials (
  id         text primary key,
  kind       text not null,
  ciphertext bytea not null,
  created_at timestamptz not null default now()
);

create table resources (
  id            text primary key,
  blueprint_id  text not null references blueprints (id),
  type          text not null,
  name          text not null,
  status        text not null,
  attributes    jsonb not null default '{}',
  slots         integer not null check (slots >= 0),
  leases_held   integer not null default 0,
  enabled       boolean not null default true,
  address       text,
  port          integer,
  username      text,
  credential_id text references credentials (id),
  host_key      text,
  reason        text,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  -- the invariant every allocator relies on, enforced by the database itself
  constraint resources_slots_respected check (leases_held >= 0 and leases_held <= slots)
);
create unique index resources_host_name on resources (name) where type = 'host';
create index resources_type_attributes on resources using gin (attributes);

create table leases (
  id           text primary key,
  seq          bigserial not null unique,
  type         text not null,
  attributes   jsonb not null default '{}',
  pinned_resource_id text references resources (id),
  resource_id  text references resources (id),
  owner        text,
  status       text not null,
  reason       text,
  wait_timeout_ms bigint,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
create index leases_pending on leases (seq) where status = 'pending';
create index leases_owner on leases (owner);

-- every lease transition, in order, so that invariants can be checked over time
create table lease_history (
  id          bigserial primary key,
  lease_id    text not null references leases (id),
  resource_id text,
  status      text not null,
  at          timestamptz not null default clock_timestamp()
);
create index lease_history_lease on lease_history (lease_id);

create table plans (
  name       text primary key,
  yaml       text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table builds (
  id          text primary key,
  plan_name   text not null,
  plan_yaml   text not null,
  status      text not null,
  repository  text,
  commit_id   text,
  branch      text,
  variables   jsonb not null default '{}',
  reason      text,
  created_at  timestamptz not null default now(),
  started_at  timestamptz,
  finished_at timestamptz
);

create table steps (
  build_id    text not null references builds (id),
  idx         integer not null,
  name        text not null,
  kind        text not null,
  spec        jsonb not null,
  status      text not null,
  exit_code   integer,
  reason      text,
  lease_id    text references leases (id),
  command_id  text,
  started_at  timestamptz,
  finished_at timestamptz,
  primary key (build_id, name),
  unique (build_id, idx)
);

create table commands (
  id            text primary key,
  build_id      text not null references builds (id),
  step_name     text not null,
  lease_id      text not null references leases (id),
  resource_id   text not null references resources (id),
  command       text not null,
  status        text not null,
  outcome       text,
  exit_code     integer,
  signal        text,
  message       text,
  output_chunks bigint,
  -- the command.finished event as the coordinator received it, kept until all output arrived
  result        jsonb,
  runner        text,
  created_at    timestamptz not null default now(),
  started_at    timestamptz,
  finished_at   timestamptz
);

create table log_chunks (
  command_id text not null references commands (id),
  seq        bigint not null,
  stream     text not null,
  text       text not null,
  primary key (command_id, seq)
);

create table outbox (
  id         bigserial primary key,
  topic      text not null,
  record_key text not null,
  payload    text not null,
  created_at timestamptz not null default now()
);

create table processed_events (
  consumer     text not null,
  event_id     text not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, event_id)
);
