-- Where commands of an active lease run (Drydock's command interface): the blueprint that made the
-- lease says so when it activates it: the host resource, and the directory on it (null: the SSH
-- user's home). The build engine runs a step's command there without asking what kind of lease it
-- is.
alter table leases
  add column command_host_id text references resources (id),
  add column command_directory text;

-- leases active (or about to be) now: a host's commands run in its home, a working copy's in its
-- directory on its host
update leases set command_host_id = resource_id
where type = 'host' and resource_id is not null and status in ('acquired', 'active');

update leases l set command_host_id = r.host_id, command_directory = r.path
from resources r
where l.type = 'working-copy' and r.id = l.resource_id and l.status in ('acquired', 'active');
