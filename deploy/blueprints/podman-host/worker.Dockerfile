# The worker's image with a podman client, for the podman-host blueprint (docker-compose.podman-host.yml):
# Debian's podman, used only as a remote client of the engine's API socket mounted into the
# container, and socat, which hands that root-only socket on to the worker's own user (see
# worker-entrypoint). deploy/containers/build-images builds it after the worker's image:
#   podman build --build-arg SLIPWAY_TAG=latest -t localhost/slipway-worker-podman:latest \
#     -f deploy/blueprints/podman-host/worker.Dockerfile deploy/blueprints/podman-host
ARG SLIPWAY_TAG=latest
FROM localhost/slipway-worker:${SLIPWAY_TAG}
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman socat \
 && rm -rf /var/lib/apt/lists/*
COPY worker-entrypoint /usr/local/bin/slipway-worker-podman-entrypoint
RUN chmod 0755 /usr/local/bin/slipway-worker-podman-entrypoint
# The entrypoint starts as root (to open the engine's socket) and runs the worker as slipway.
ENV CONTAINER_HOST=unix:///run/slipway-worker-podman/podman.sock
ENTRYPOINT ["/usr/local/bin/slipway-worker-podman-entrypoint"]
