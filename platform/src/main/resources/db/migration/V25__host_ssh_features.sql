-- What a host's SSH server offers, as a worker found it when it last connected (each new
-- connection looks again): whether its SFTP subsystem can be used (null: not yet contacted), and
-- whether the user's login shell prints before a command's output. Without SFTP, workers do
-- everything over exec channels. Written by workers without touching version or updated_at: it is
-- an observation, not an edit.
alter table resources
  add column sftp boolean,
  add column login_banner boolean,
  add column ssh_detected_at timestamptz;
