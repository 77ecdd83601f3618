-- All-or-nothing lease groups (#14): host leases granted together or not at all.

-- a group of host leases asked for at once; its status: pending (no member holds anything),
-- granted (every member was acquired in one transaction) or failed (every member failed)
create table lease_groups (
  id          text primary key,
  owner       text,
  status      text not null check (status in ('pending', 'granted', 'failed')),
  reason      text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index lease_groups_owner on lease_groups (owner);

-- the group a lease is a member of (null: a lease of its own)
alter table leases add column group_id text references lease_groups (id);
create index leases_group_pending on leases (group_id) where status = 'pending';
