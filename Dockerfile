# The image the Kubernetes objects run (aiperf kube generate --image ..., profile --kubernetes):
# the compiled binary on a small glibc base (Bun's executables link against glibc, so no Alpine).
# Build the binary first, on linux/x64 like the image (or with bun build --target):
#   npm run build
#   docker build -t registry.example.com/aiperf-bun:0.1.0 .
#   docker push registry.example.com/aiperf-bun:0.1.0
# Not built in CI (no Docker daemon there): README "Kubernetes" says what was verified.
FROM debian:bookworm-slim
# CA certificates for HTTPS targets; nothing else is needed at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 aiperf \
 && useradd --uid 65532 --gid 65532 --create-home --home-dir /home/aiperf aiperf \
 && install -d -o 65532 -g 65532 /artifacts
COPY --chmod=0755 dist/aiperf /usr/local/bin/aiperf
# The pods run as this user (runAsUser 65532 in the generated JobSet).
USER 65532:65532
WORKDIR /artifacts
ENTRYPOINT ["aiperf"]
CMD ["--help"]
