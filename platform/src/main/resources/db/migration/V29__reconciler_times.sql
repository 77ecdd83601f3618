-- The reconciler (#13) measures how long a build has waited from the database's clock: when the
-- coordinator stored a command's result (its output may still be on its way), and when it last
-- asked again for a command no runner claimed (it asks less and less often).
alter table commands
  add column result_at timestamptz,
  add column requested_again_at timestamptz;
