#!/usr/bin/env bash
# Builds the services' base image from Debian packages alone: debootstrap minbase, the OpenJDK 25
# headless JRE (Debian 13 trixie packages it, with security updates), a non-root user. Writes it as a docker-save tarball, the one format Jib's tar://
# base images read. Skipped when the tarball was built by this very script with the same inputs.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: deploy/image/build-base.sh [--out DIR] [--suite SUITE] [--jdk N] [--mirror URL] [--security-mirror URL] [--force]

Builds the base image of the auth, order and payment images, without a container engine:

  1. debootstrap --variant=minbase SUITE from MIRROR into a temporary root file system;
  2. apt sources SUITE, SUITE-updates, SUITE-security; security updates; then
     openjdk-N-jre-headless (--no-install-recommends). Its dependency ca-certificates-java is
     satisfied by an empty stand-in package: the services trust only the CA bundle of their tls
     block, so the image carries no Java trust store at all;
  3. the user and group app, uid/gid 10001, home /app, no login shell;
  4. no apt lists or caches, no documentation except copyright files, no man pages or
     translations, no logs; empty /etc/resolv.conf, /etc/hostname and /dev (the runtime provides them);
  5. packed as one layer in a docker-save tarball: DIR/base.tar (tiktokmall/base:SUITE-jreN),
     with DIR/base-packages.txt listing the packages inside.

The build takes minutes, so it is skipped when DIR/base.tar exists and DIR/base.stamp records
the same script (SHA-256), suite, JDK, mirrors and architecture. --force rebuilds anyway, e.g. to pick
up new security updates.

Options:
  --out DIR               where base.tar goes (default: deploy/image/target, git-ignored)
  --suite SUITE           Debian release (default: trixie, the first to package OpenJDK 25; its
                          security support covers openjdk-25)
  --jdk N                 the OpenJDK major version, openjdk-N-jre-headless (default: 25)
  --mirror URL            Debian mirror (default: the one this machine's apt sources use for SUITE,
                          else the one they use for this machine's own release)
  --security-mirror URL   security mirror (default: likewise, for SUITE-security)
  --force                 rebuild even if the stamp matches
  -h, --help              this text

Needs root (debootstrap, chroot, mount namespaces), debootstrap, dpkg-deb, jq, unshare.
HELP
}

die() { echo "build-base.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
script="$here/$(basename "$0")"
out="$here/target" suite=trixie jdk=25 mirror='' security_mirror='' force=false
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --suite) suite=${2:?--suite needs a name}; shift 2 ;;
    --jdk) jdk=${2:?--jdk needs a version}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --security-mirror) security_mirror=${2:?--security-mirror needs a URL}; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

# "URI SUITE" for every enabled deb source of this machine's apt (deb822 and one-line formats).
apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    case "$f" in
      *.sources) awk 'BEGIN { RS = ""; FS = "\n" }
        { types = uris = suites = ""; enabled = 1
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^#/) continue
            split($i, kv, ":"); key = tolower(kv[1]); val = substr($i, length(kv[1]) + 2)
            if (key == "types") types = val; else if (key == "uris") uris = val
            else if (key == "suites") suites = val; else if (key == "enabled" && val ~ /no/) enabled = 0
          }
          if (!enabled || types !~ /(^|[ \t])deb([ \t]|$)/) next
          nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
          for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) if (u[a] != "" && s[b] != "") print u[a], s[b]
        }' "$f" ;;
      *) sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2, $3 }' ;;
    esac
  done
}
source_for() { apt_sources | awk -v s="$1" '$2 == s && !found { sub(/\/$/, "", $1); found = $1 } END { print found }'; }

[[ $jdk =~ ^[0-9]+$ ]] || die "--jdk takes a major version, e.g. 25"
# This machine's own release: its apt sources name the mirrors when they have none for SUITE.
# shellcheck disable=SC1091
host_suite=$(. /etc/os-release && [[ ${ID:-} == debian ]] && echo "${VERSION_CODENAME:-}") || true
[[ -n $mirror ]] || mirror=$(source_for "$suite")
[[ -n $mirror || -z $host_suite ]] || mirror=$(source_for "$host_suite")
[[ -n $mirror ]] || die "no apt source for '$suite' (nor for this machine's release) here; pass --mirror URL"
[[ -n $security_mirror ]] || security_mirror=$(source_for "$suite-security")
[[ -n $security_mirror || -z $host_suite ]] || security_mirror=$(source_for "$host_suite-security")
[[ -n $security_mirror ]] || die "no apt source for '$suite-security' here; pass --security-mirror URL"

arch=$(dpkg --print-architecture)
case "$arch" in
  amd64|arm64|ppc64le|s390x) oci_arch=$arch ;;
  *) die "architecture $arch is not supported by this script" ;;
esac
tag="tiktokmall/base:$suite-jre$jdk"
stamp="$(sha256sum "$script" | cut -d' ' -f1) $suite jdk$jdk $mirror $security_mirror $arch"

mkdir -p "$out"
out=$(cd "$out" && pwd)
if ! $force && [[ -f $out/base.tar && -f $out/base.stamp && $(cat "$out/base.stamp") == "$stamp" ]]; then
  echo "base image up to date: $out/base.tar ($tag); --force rebuilds it"
  exit 0
fi

((EUID == 0)) || die "must run as root (debootstrap and chroot need it)"
for cmd in debootstrap dpkg-deb jq unshare findmnt sha256sum gzip; do
  command -v "$cmd" >/dev/null || die "$cmd is missing (apt-get install debootstrap jq)"
done

work=$(mktemp -d "$out/build.XXXXXX")
cleanup() {
  # Mounts live in a private namespace that is gone by now; refuse to delete through one anyway.
  if findmnt -rn -o TARGET | grep -qF "$work/"; then
    echo "build-base.sh: something is still mounted under $work; not deleting it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT
rootfs="$work/rootfs"
start=$SECONDS

# An empty package that provides ca-certificates-java, which openjdk-N-jre-headless depends on.
pkg="$work/no-java-cacerts"
mkdir -p "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<'CONTROL'
Package: tiktokmall-no-java-cacerts
Version: 1.0
Architecture: all
Maintainer: TikTokMall <noreply@tiktokmall.local>
Provides: ca-certificates-java (= 20230710)
Description: stands in for ca-certificates-java in the TikTokMall base image
 The services trust only the CA bundle named in their tls block, never the JVM trust store,
 so the image carries no Java trust store at all.
CONTROL
dpkg-deb --root-owner-group --build "$pkg" "$work/no-java-cacerts.deb" >/dev/null

# Everything that mounts (debootstrap, /proc for maintainer scripts) runs in a private mount
# namespace, so no mount outlives it and nothing of the host is ever exposed under $work.
install_rootfs() {
  set -euo pipefail
  local rootfs=$1 suite=$2 mirror=$3 security_mirror=$4 deb=$5 jdk=$6
  debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$suite" "$rootfs" "$mirror"

  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-tiktokmall-slim" <<'DPKG'
# No documentation (copyright files excepted), man pages or translations in the image.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
DPKG
  printf 'Acquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/99-tiktokmall-no-translations"
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"   # never start a daemon in the chroot
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  cp "$deb" "$rootfs/tmp/no-java-cacerts.deb"
  mount -t proc proc "$rootfs/proc"

  in_root() { chroot "$rootfs" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
  in_root apt-get -q update
  in_root apt-get -q -y upgrade
  in_root dpkg -i /tmp/no-java-cacerts.deb
  in_root apt-get -q -y install --no-install-recommends "openjdk-$jdk-jre-headless"
  in_root groupadd --gid 10001 app
  in_root useradd --uid 10001 --gid 10001 --home-dir /app --no-create-home --no-log-init \
    --shell /usr/sbin/nologin app
  in_root java -version
  # shellcheck disable=SC2016  # dpkg-query's format, not the shell's
  in_root dpkg-query -W -f '${Package} ${Version}\n' >"$rootfs/tmp/packages.txt"
  in_root apt-get -q clean
  umount "$rootfs/proc"
}
echo "== debootstrap $suite ($arch) from $mirror, then openjdk-$jdk-jre-headless"
unshare --mount --propagation private -- \
  bash -c "$(declare -f install_rootfs); install_rootfs \"\$@\"" install_rootfs \
  "$rootfs" "$suite" "$mirror" "$security_mirror" "$work/no-java-cacerts.deb" "$jdk"

if findmnt -rn -o TARGET | grep -qF "$rootfs/"; then die "a mount under $rootfs survived the build"; fi
mv "$rootfs/tmp/packages.txt" "$work/packages.txt"
(
  cd "$rootfs"
  rm -f usr/sbin/policy-rc.d etc/hostname
  rm -rf var/lib/apt/lists/* var/cache/apt/* var/cache/debconf/*-old var/lib/dpkg/*-old \
    usr/share/man/* usr/share/info/* usr/share/locale/* usr/share/lintian/* tmp/* var/tmp/* root/.bash_history dev/*
  find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete
  find usr/share/doc -mindepth 1 -type d -empty -delete
  find var/log -type f -delete
  : >etc/resolv.conf
  [[ ! -e etc/machine-id ]] || : >etc/machine-id
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >etc/hosts
)
java_home="/usr/lib/jvm/java-$jdk-openjdk-$arch"
[[ -x $rootfs$java_home/bin/java ]] || die "no JRE at $java_home in the image"
private_keys=$(grep -rlI --exclude-dir=proc -e '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$rootfs" || true)
[[ -z $private_keys ]] || die "private keys found in the base image: $private_keys"

echo "== packing $tag"
image="$work/image"
mkdir -p "$image"
# Entries without a leading ./, sorted, numeric owners: what Jib passes on as the first layer.
mapfile -t top < <(cd "$rootfs" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
tar -C "$rootfs" --sort=name --numeric-owner -cf "$work/layer.tar" -- "${top[@]}"
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -6 <"$work/layer.tar" >"$image/$diff_id.tar.gz"
rm "$work/layer.tar"
java_version=$(awk -v p="openjdk-$jdk-jre-headless" '$1 == p { print $2 }' "$work/packages.txt")
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jq -n --arg arch "$oci_arch" --arg created "$created" --arg diff "sha256:$diff_id" --arg suite "$suite" \
  --arg java "$java_version" --arg java_home "$java_home" --arg jdk "$jdk" '{
    architecture: $arch, os: "linux", created: $created,
    config: {
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8",
            "JAVA_HOME=\($java_home)"],
      User: "10001:10001", WorkingDir: "/",
      Labels: {"com.tiktokmall.base.debian": $suite, "com.tiktokmall.base.openjdk": $java}
    },
    rootfs: {type: "layers", diff_ids: [$diff]},
    history: [{created: $created,
               created_by: "deploy/image/build-base.sh: debootstrap --variant=minbase \($suite); openjdk-\($jdk)-jre-headless \($java); user app 10001"}]
  }' >"$image/config.json"
jq -n --arg tag "$tag" --arg layer "$diff_id.tar.gz" \
  '[{Config: "config.json", RepoTags: [$tag], Layers: [$layer]}]' >"$image/manifest.json"
tar -C "$image" --numeric-owner --owner=0 --group=0 -cf "$work/base.tar" manifest.json config.json "$diff_id.tar.gz"

mv "$work/packages.txt" "$out/base-packages.txt"
mv "$work/base.tar" "$out/base.tar"
printf '%s\n' "$stamp" >"$out/base.stamp"
echo "base image built in $((SECONDS - start)) s: $out/base.tar ($tag, $(du -h "$out/base.tar" | cut -f1)," \
  "$(wc -l <"$out/base-packages.txt") packages, openjdk $java_version)"
