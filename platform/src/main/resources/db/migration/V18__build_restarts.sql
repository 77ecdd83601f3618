-- A restarted build names the build it repeats (same plan version and inputs).
alter table builds add column restart_of text references builds (id);
