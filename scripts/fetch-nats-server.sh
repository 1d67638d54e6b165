#!/usr/bin/env bash
# Puts a nats-server ≥ 2.12 at .tools/bin/nats-server for the distributed and chaos suites.
#
# Why: Debian bookworm ships nats-server 2.9.10, whose replicated work-queue streams can reset their cluster state
# when a sequence is deleted twice (an acknowledgement repeated after a redelivery: "stream store EOF", fixed
# upstream in 2.12). The distributed kill scenario hits that now and then, and the broker then stops serving the
# stream. The newer server comes from Debian's own archive (unstable), checked against the SHA256 of the archive's
# package index; only the static binary is extracted, nothing is installed.
#
# Usage: scripts/fetch-nats-server.sh [DIR]   (default .tools; prints the binary's path on success)
# Without network, or if the archive holds no ≥ 2.12, it exits 1 and the suites use `nats-server` from PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.tools}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
min_minor=12

bin="$dir/bin/nats-server"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -Eq 'v2\.(1[2-9]|[2-9][0-9])\.'; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for suite in unstable testing; do
  if ! curl -fsS -m 60 -o "$work/Packages.xz" "$mirror/dists/$suite/main/binary-amd64/Packages.xz"; then
    echo "fetch-nats-server: cannot read the $suite package index from $mirror" >&2
    continue
  fi
  # The nats-server stanza: Version, Filename and SHA256.
  stanza="$(xz -dc "$work/Packages.xz" | awk '/^Package: nats-server$/{p=1} p&&/^(Version|Filename|SHA256):/{print} /^$/{p=0}')"
  version="$(awk '/^Version:/{print $2}' <<<"$stanza")"
  file="$(awk '/^Filename:/{print $2}' <<<"$stanza")"
  sha="$(awk '/^SHA256:/{print $2}' <<<"$stanza")"
  minor="$(sed -E 's/^[0-9]+://; s/^2\.([0-9]+)\..*/\1/' <<<"$version")"
  if [ -z "$file" ] || [ -z "$sha" ] || ! [[ "$minor" =~ ^[0-9]+$ ]] || [ "$minor" -lt "$min_minor" ]; then
    echo "fetch-nats-server: $suite has nats-server ${version:-none}, need ≥ 2.$min_minor" >&2
    continue
  fi
  curl -fsS -m 120 -o "$work/nats.deb" "$mirror/$file"
  if [ "$(sha256sum "$work/nats.deb" | cut -d' ' -f1)" != "$sha" ]; then
    echo "fetch-nats-server: $file does not match the SHA256 of the package index" >&2
    exit 1
  fi
  dpkg-deb -x "$work/nats.deb" "$work/x"
  mkdir -p "$dir/bin"
  install -m 0755 "$work/x/usr/sbin/nats-server" "$bin"
  "$bin" --version >&2
  echo "$bin"
  exit 0
done
exit 1
