-- Plans as graphs (#12): a lease step's lease is released as soon as no step left to run needs
-- it; the time it was asked for is kept, so it is asked for once.
alter table steps add column lease_released_at timestamptz;
