-- Working copies (#5): a working copy is a resource of type 'working-copy' on a host resource,
-- holding one repository's checkout in a directory; a working-copy lease names the repository,
-- the ref it wants and the host lease it sits on.

insert into blueprints (id, name, kind, type)
values ('working-copy', 'working-copy', 'working-copy', 'working-copy');

alter table resources
  -- a working copy's host
  add column host_id text references resources (id),
  -- a working copy's directory; for a host, the directory under which its copies are kept
  add column path text,
  -- a working copy's size on disk, measured after each checkout
  add column size_bytes bigint,
  -- set while a released copy is being reset and cleaned, or a removed one deleted from disk,
  -- and renewed by the worker doing it: a stale value means that worker died
  add column busy_since timestamptz;

create index resources_working_copies on resources (host_id, (attributes ->> 'repository'))
  where type = 'working-copy' and status = 'active';

alter table leases
  add column repository text,
  add column ref text,
  -- the verified HEAD of an active working-copy lease
  add column commit_id text,
  add column host_lease_id text references leases (id),
  -- whether the host lease was taken for this working copy (and is released with it)
  add column owns_host_lease boolean not null default false,
  -- the command record whose log shows the checkout (a build's lease-working-copy step)
  add column log_id text,
  -- set while a worker checks out the copy of an acquired lease, renewed while it works
  add column preparing_since timestamptz,
  -- a release asked for while the lease was still being prepared
  add column release_reason text;

-- the working-copy leases sitting on a host lease, looked up whenever a host lease is released
create index leases_on_host_lease on leases (host_lease_id)
  where host_lease_id is not null and status in ('acquired', 'active');

-- the log of a lease-working-copy step is a command record with no host command
alter table commands alter column resource_id drop not null;
