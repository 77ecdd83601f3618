# Sourced by the container scripts: the podman configuration and the private API socket that
# docker-compose and Testcontainers talk to. Override any of these in the environment.
containers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$containers_dir/containers.conf}"
export SLIPWAY_PODMAN_SOCKET="${SLIPWAY_PODMAN_SOCKET:-/run/slipway-podman/podman.sock}"
export DOCKER_HOST="${DOCKER_HOST:-unix://$SLIPWAY_PODMAN_SOCKET}"
# Testcontainers' resource reaper (Ryuk) does not run under podman; the tests remove what they make.
export TESTCONTAINERS_RYUK_DISABLED=true
