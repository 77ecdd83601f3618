-- Access control (#11): API tokens (only a hash of the secret is kept), who did what, and
-- credentials that serve only what they were created with.

create table api_tokens (
  id           text primary key,
  name         text not null,
  role         text not null check (role in ('viewer', 'operator', 'admin')),
  -- SHA-256 of the whole secret ("slw_..."), hex; the secret itself is shown once and never kept
  secret_hash  text not null unique,
  created_at   timestamptz not null default now(),
  created_by   text not null,
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  revoked_by   text
);

-- Write actions through the API: who, what, when, outcome. Also published on slipway.audit.
create table audit_log (
  id       bigserial primary key,
  at       timestamptz not null default now(),
  actor    text not null,
  action   text not null,
  target   text,
  outcome  integer not null
);
create index audit_log_at on audit_log (at);

alter table builds add column requested_by text;
alter table resources add column created_by text;
alter table resources add column updated_by text;
alter table blueprints add column created_by text;
alter table blueprints add column updated_by text;
alter table repositories add column created_by text;
alter table repositories add column updated_by text;

-- A credential serves only the host or repository it was created with, unless an admin created
-- it as a shared credential (POST /api/v1/credentials), which any host may name.
alter table credentials add column shared boolean not null default false;
alter table credentials add column name text;
alter table credentials add column created_by text;
create unique index credentials_shared_name on credentials (name) where shared;
