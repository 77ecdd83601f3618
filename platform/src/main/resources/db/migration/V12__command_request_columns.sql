-- What a runner runs comes from the command row, which only the coordinator writes:
-- command.requested merely names the command. The row gains what the event used to carry alone
-- (the command text, host resource, lease and build are there already), and the copy of the event
-- a runner kept when it claimed a command (request) goes.

alter table commands
  -- the directory the command runs in (a working copy's); null: the SSH user's home
  add column working_directory text,
  -- the variables exported to the command, as a JSON object of strings
  add column environment jsonb not null default '{}',
  -- null only for records that are no host command (a checkout's log)
  add column timeout_seconds bigint check (timeout_seconds > 0);

-- commands running now: what their runner started
update commands
set working_directory = request ->> 'workingDirectory',
    environment = case when jsonb_typeof(request -> 'environment') = 'object'
                       then request -> 'environment' else '{}' end,
    timeout_seconds = greatest(1, (request ->> 'timeoutSeconds')::bigint)
where status = 'running' and request is not null;

-- commands still waiting to run: their step's timeout, their working copy's directory
update commands c
set timeout_seconds = greatest(1, (s.spec ->> 'timeoutSeconds')::bigint)
from steps s
where s.command_id = c.id and c.status = 'requested' and s.spec ->> 'timeoutSeconds' is not null;

update commands c
set working_directory = r.path
from leases l, resources r
where l.id = c.lease_id and r.id = l.resource_id and l.type = 'working-copy'
  and c.status = 'requested';

alter table commands drop column request;
