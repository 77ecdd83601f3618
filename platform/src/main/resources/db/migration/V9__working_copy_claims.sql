-- Which allocator holds a working-copy job's claim: a worker renews, settles and gives back only
-- what it still holds, so that a worker that was thought dead (and whose job another took over)
-- cannot finish the job a second time.
alter table leases add column preparing_by text;
alter table resources add column busy_by text;

-- the claim scans every allocator runs every few seconds
create index leases_preparing on leases (preparing_since) where status = 'acquired';
create index resources_busy on resources (busy_since) where busy_since is not null;
