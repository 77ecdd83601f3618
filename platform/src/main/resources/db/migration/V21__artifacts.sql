-- Artifacts (#12): files and directory trees that a build's upload-artifact steps copied from a
-- lease's directory into the artifact store, and that its download-artifact steps put onto other
-- hosts. The bytes live in the store (a directory by default); this table says what is there.
create table artifacts (
  build_id   text not null references builds (id),
  name       text not null,
  -- the upload-artifact step that stored it
  step_name  text not null,
  -- 'file': stored as it was; 'directory': a tree (or a glob's matches), stored as a tar
  kind       text not null check (kind in ('file', 'directory')),
  size_bytes bigint not null check (size_bytes >= 0),
  sha256     text not null,
  created_at timestamptz not null default now(),
  primary key (build_id, name)
);

-- A command row says what the runner does with its lease: run a command (as before), or copy an
-- artifact from the lease's directory into the store (upload-artifact) or from the store into the
-- lease's directory (download-artifact). artifact_path is relative to the working directory.
alter table commands
  add column action text not null default 'run'
    check (action in ('run', 'upload-artifact', 'download-artifact')),
  add column artifact_name text,
  add column artifact_path text;
