-- Repositories that need a credential to be cloned (#5): an SSH deploy key or an HTTPS token,
-- stored encrypted in credentials; placed on a host only while git talks to the repository.
create table repositories (
  id            text primary key,
  uri           text not null unique,
  credential_id text not null references credentials (id),
  https_user    text,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);
