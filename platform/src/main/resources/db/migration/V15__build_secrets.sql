-- Secrets for builds (#12): named values an admin stores (encrypted in credentials), which a
-- plan's run step may put in an environment variable. A command records only which variable
-- takes which secret; the runner reads the value when it starts the command.
create table build_secrets (
  name          text primary key,
  credential_id text not null references credentials (id),
  created_at    timestamptz not null default now(),
  created_by    text,
  updated_at    timestamptz not null default now(),
  updated_by    text
);

alter table commands add column secret_environment jsonb not null default '{}';
