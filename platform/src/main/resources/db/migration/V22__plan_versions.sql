-- Plan versions: every distinct YAML a plan has had, numbered 1, 2, 3, ... per plan. Saving a plan
-- whose YAML differs from its current version adds version N+1; saving the same YAML again adds
-- nothing. plans.yaml stays the current version's YAML and plans.version says which one it is.
create table plan_versions (
  plan_name  text not null references plans (name),
  version    integer not null check (version >= 1),
  yaml       text not null,
  created_at timestamptz not null default now(),
  -- who saved it: token:NAME or jwt:SUBJECT (as builds.requested_by); null when not known
  created_by text,
  primary key (plan_name, version)
);

alter table plans add column version integer not null default 1 check (version >= 1);

-- Every plan that exists now becomes version 1 with its current YAML. Who saved it was never
-- recorded, so created_by stays null; created_at is when the YAML was last saved.
insert into plan_versions (plan_name, version, yaml, created_at, created_by)
  select name, 1, yaml, updated_at, null from plans;

-- The plan version a build ran. Builds from before versions existed get 1 when the YAML they
-- copied is exactly their plan's current YAML (version 1 above), and null otherwise: they ran a
-- YAML that was replaced before versions were kept, which no version holds.
alter table builds add column plan_version integer;

update builds b set plan_version = 1
  from plans p
  where p.name = b.plan_name and p.yaml = b.plan_yaml;

alter table builds
  add constraint builds_plan_version_fk
  foreign key (plan_name, plan_version) references plan_versions (plan_name, version);
