# shellcheck shell=bash
# Shared by provision, destroy and list (sourced, not run): a "host" is a container of the
# build-host image (deploy/build-host), made through podman's client. The client talks to the
# engine given by CONTAINER_HOST (podman's remote mode, as in the worker image of
# docker-compose.podman-host.yml) or, without it, to the local engine.

set -euo pipefail
export LC_ALL=C

IMAGE=${SLIPWAY_PODMAN_IMAGE:-localhost/slipway-build-host:latest}
# the labels every host container carries: this installation's tag and the host's token
TAG_LABEL=dev.slipway.tag
TOKEN_LABEL=dev.slipway.token
LOCKS=${TMPDIR:-/tmp}

die() {
  printf 'podman-host: %s\n' "$*" >&2
  exit 1
}

say() {
  printf 'podman-host: %s\n' "$*" >&2
}

command -v podman >/dev/null || die "podman is missing: install Debian's podman (the client is enough with CONTAINER_HOST)"

# The name of the container made for token $1: slipway-host- and 32 hex digits of its SHA-256.
container_name() {
  local hash
  hash=$(printf '%s' "$1" | sha256sum)
  printf 'slipway-host-%s' "${hash:0:32}"
}

# Takes the lock of container name $1 on file descriptor 9: one provision or destroy at a time per
# token on this worker (a second worker's run of the same name is stopped by podman's unique names).
lock() {
  exec 9>>"$LOCKS/$1.lock"
  flock 9
}

# Prints $1 as a JSON string, quotes included.
json_string() {
  local s=$1 out='' c i code
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      '"') out+='\"' ;;
      '\') out+='\\' ;;
      $'\n') out+='\n' ;;
      $'\r') out+='\r' ;;
      $'\t') out+='\t' ;;
      [[:cntrl:]])
        printf -v code '\\u%04x' "'$c"
        out+=$code
        ;;
      *) out+=$c ;;
    esac
  done
  printf '"%s"' "$out"
}
