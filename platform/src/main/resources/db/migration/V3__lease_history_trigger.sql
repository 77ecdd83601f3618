-- Every lease transition is recorded by the database itself, in the statement that makes it: no
-- code path can change a lease's status without a history row, and the allocator saves a round
-- trip per transition.
create function record_lease_history() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into lease_history (lease_id, resource_id, status)
    values (new.id, new.resource_id, new.status);
  end if;
  return new;
end;
$$;

create trigger leases_history after insert or update of status on leases
  for each row execute function record_lease_history();
