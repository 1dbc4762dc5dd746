#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup, stop and start_service run from traps and in new namespaces
# Runs a docker-save image tarball (what Jib's buildTar writes) without a container engine:
# unpacks its layers into a private root file system and starts its entrypoint there, in new
# mount and PID namespaces, on the host network, as the image's non-root user.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: deploy/image/run-image.sh [--env NAME=VALUE]... [--volume HOST_PATH:PATH[:ro]]...
                                 [--entrypoint PROGRAM] IMAGE_TAR CONFIG_DIR CERTS_DIR [ARG...]

Unpacks IMAGE_TAR (docker-save format, e.g. auth/target/jib-image.tar) layer by layer, honoring
whiteouts, into a temporary root file system and runs the image's entrypoint in it:

  - new mount and PID namespaces (unshare); the entrypoint is PID 1 there; host network (loopback);
  - the root file system read-only, nosuid, nodev; a fresh tmpfs on /tmp; /proc; a minimal /dev;
    the host's /etc/hosts and /etc/resolv.conf, read-only;
  - CONFIG_DIR read-only on /config, CERTS_DIR read-only on /var/run/tiktokmall/tls;
  - every --volume HOST_PATH on PATH, writable unless :ro;
  - as the image's user (numeric uid:gid, never 0), no supplementary groups, no capabilities,
    no_new_privs; in the image's working directory; with the image's environment plus --env;
  - the image's entrypoint with ARG... in place of its command when given; with --entrypoint,
    PROGRAM ARG... instead (e.g. --entrypoint /bin/sh ... -c 'id; ls /config').

TERM or INT stops the service (TERM to its PID 1; KILL after 60 s). The root file system is
deleted when the service ends; the exit status is the service's. Meant for images built here
(deploy/image/README.md), not for untrusted ones. Needs root, unshare, setpriv, jq.

Options:
  --env NAME=VALUE               set a variable in the service's environment (repeatable)
  --volume HOST_PATH:PATH[:ro]   bind-mount a host file or directory (repeatable)
  --entrypoint PROGRAM           run PROGRAM ARG... instead of the image's entrypoint and command
  -h, --help                     this text
HELP
}

die() { echo "run-image.sh: $*" >&2; exit 1; }

extra_env=() volumes=() entrypoint_override=''
while (($#)); do
  case "$1" in
    --env) [[ ${2:-} == [A-Za-z_]*=* ]] || die "--env needs NAME=VALUE"; extra_env+=("$2"); shift 2 ;;
    --volume) [[ ${2:-} == /*:/* || ${2:-} == [!/]*:/* ]] || die "--volume needs HOST_PATH:/PATH[:ro]"
      volumes+=("$2"); shift 2 ;;
    --entrypoint) entrypoint_override=${2:?--entrypoint needs a program}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
(($# >= 3)) || { usage >&2; exit 2; }
image_tar=$1 config_dir=$2 certs_dir=$3
shift 3
args=("$@")

((EUID == 0)) || die "must run as root (mount and PID namespaces, chroot)"
for cmd in unshare setpriv jq tar findmnt; do command -v "$cmd" >/dev/null || die "$cmd is missing"; done
[[ -f $image_tar ]] || die "no image tarball at $image_tar"
[[ -d $config_dir ]] || die "CONFIG_DIR $config_dir is not a directory"
[[ -d $certs_dir ]] || die "CERTS_DIR $certs_dir is not a directory"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-run.XXXXXX")
rootfs="$tmp/rootfs"
cleanup() {
  local status=$?
  if findmnt -rn -o TARGET | grep -qF "$tmp/"; then
    echo "run-image.sh: something is still mounted under $tmp; leaving it" >&2
  else
    rm -rf --one-file-system "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Resolves PATH as the image sees it: symbolic links are followed inside ROOT, never out of it.
in_root() {
  local root=$1 path=$2 resolved='' hops=0 part link
  local -a rest more
  IFS=/ read -r -a rest <<<"$path"
  while ((${#rest[@]})); do
    part=${rest[0]}
    rest=("${rest[@]:1}")
    case "$part" in
      ''|.) continue ;;
      ..) resolved=${resolved%/*}; continue ;;
    esac
    if [[ -L $root$resolved/$part ]]; then
      ((++hops <= 40)) || die "too many symbolic links in $path"
      link=$(readlink "$root$resolved/$part")
      [[ $link != /* ]] || resolved=''
      IFS=/ read -r -a more <<<"$link"
      rest=("${more[@]}" "${rest[@]}")
    else
      resolved+=/$part
    fi
  done
  printf '%s\n' "${resolved:-/}"
}

# --- unpack -------------------------------------------------------------------------------
mkdir -p "$tmp/image" "$rootfs"
tar -C "$tmp/image" -xf "$image_tar"
[[ -f $tmp/image/manifest.json ]] || die "$image_tar is not a docker-save tarball (no manifest.json)"
safe_name() { [[ $1 != /* && $1 != *..* && -f $tmp/image/$1 ]] || die "bad file name '$1' in $image_tar"; }
config_file=$(jq -r '.[0].Config' "$tmp/image/manifest.json")
safe_name "$config_file"
mapfile -t layers < <(jq -r '.[0].Layers[]' "$tmp/image/manifest.json")
((${#layers[@]})) || die "$image_tar has no layers"

first=true
for layer in "${layers[@]}"; do
  safe_name "$layer"
  file="$tmp/image/$layer"
  mapfile -t entries < <(tar --warning=no-unknown-keyword -tf "$file" | sed -E 's,^\./,,; s,/$,,')
  for entry in "${entries[@]}"; do
    [[ -n $entry && $entry != /* && $entry != ../* && $entry != */../* && $entry != .. ]] ||
      die "layer $layer has an unsafe entry '$entry'"
    dir='' name=$entry
    [[ $entry != */* ]] || { dir=${entry%/*}; name=${entry##*/}; }
    if ! $first && [[ -n $dir ]]; then
      # A later layer must not write through a symbolic link an earlier one made.
      prefix=''
      IFS=/ read -r -a parts <<<"$dir"
      for part in "${parts[@]}"; do
        prefix+=/$part
        [[ ! -L $rootfs$prefix ]] || die "layer $layer writes through the symbolic link $prefix"
      done
    fi
    case "$name" in
      .wh..wh..opq) find "$rootfs/$dir" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + ;;
      .wh.*) rm -rf --one-file-system "${rootfs:?}/$dir/${name#.wh.}" ;;
    esac
  done
  tar -C "$rootfs" --warning=no-unknown-keyword --numeric-owner --same-owner -xpf "$file" --exclude='.wh.*'
  first=false
done

# --- what to run -----------------------------------------------------------------------------
config="$tmp/image/$config_file"
mapfile -t entrypoint < <(jq -r '.config.Entrypoint // [] | .[]' "$config")
mapfile -t command < <(jq -r '.config.Cmd // [] | .[]' "$config")
mapfile -t env < <(jq -r '.config.Env // [] | .[]' "$config")
workdir=$(jq -r '.config.WorkingDir // "" | if . == "" then "/" else . end' "$config")
user=$(jq -r '.config.User // ""' "$config")
((${#args[@]} == 0)) || command=("${args[@]}")
[[ -z $entrypoint_override ]] || { entrypoint=("$entrypoint_override"); command=("${args[@]}"); }
argv=("${entrypoint[@]}" "${command[@]}")
((${#argv[@]})) || die "the image has neither an entrypoint nor a command"
[[ $user =~ ^([0-9]+):([0-9]+)$ ]] || die "the image's user '$user' is not numeric uid:gid"
uid=${BASH_REMATCH[1]} gid=${BASH_REMATCH[2]}
((uid != 0 && gid != 0)) || die "the image runs as root (user '$user'); refusing"
[[ -d $rootfs$(in_root "$rootfs" "$workdir") ]] || die "the working directory $workdir is not in the image"

# --- mounts: "SOURCE TARGET-IN-ROOTFS ro|rw", targets resolved inside the image --------------
mounts=()
add_mount() { # source image-path mode
  local source target
  source=$(realpath -e "$1") || die "$1 does not exist"
  target=$rootfs$(in_root "$rootfs" "$2")
  if [[ -d $source ]]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")"; : >>"$target"; fi
  mounts+=("$source" "$target" "$3")
}
add_mount "$config_dir" /config ro
add_mount "$certs_dir" /var/run/tiktokmall/tls ro
for f in /etc/hosts /etc/resolv.conf; do [[ ! -f $f ]] || add_mount "$f" "$f" ro; done
for volume in "${volumes[@]}"; do
  mode=rw
  [[ $volume != *:ro ]] || { mode=ro; volume=${volume%:ro}; }
  add_mount "${volume%%:*}" "${volume#*:}" "$mode"
done
for dir in proc dev tmp; do mkdir -p "$rootfs/$dir"; done

# Runs as PID 1 of the new namespaces: mounts, then becomes the service (exec, no fork).
start_service() {
  set -euo pipefail
  local rootfs=$1 workdir=$2 uid=$3 gid=$4 nmounts=$5 nenv=$6
  shift 6
  local -a mounts=("${@:1:nmounts*3}")
  shift $((nmounts * 3))
  local -a env=("${@:1:nenv}")
  shift "$nenv"
  mount --bind "$rootfs" "$rootfs"
  mount -t proc -o nosuid,nodev,noexec proc "$rootfs/proc"
  mount -t tmpfs -o nosuid,noexec,mode=0755,size=64k tmpfs "$rootfs/dev"
  local dev i
  for dev in null zero full random urandom; do
    : >"$rootfs/dev/$dev"
    mount --bind "/dev/$dev" "$rootfs/dev/$dev"
  done
  ln -s /proc/self/fd "$rootfs/dev/fd"
  ln -s /proc/self/fd/0 "$rootfs/dev/stdin"
  ln -s /proc/self/fd/1 "$rootfs/dev/stdout"
  ln -s /proc/self/fd/2 "$rootfs/dev/stderr"
  mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$rootfs/tmp"
  for ((i = 0; i < ${#mounts[@]}; i += 3)); do
    mount --bind "${mounts[i]}" "${mounts[i+1]}"
    mount -o "remount,bind,nosuid,nodev,${mounts[i+2]}" "${mounts[i+1]}"
  done
  mount -o remount,bind,ro,nosuid,nodev "$rootfs"
  # unshare --root chroots, changes directory, drops groups and becomes uid:gid (so every
  # capability is gone); no_new_privs keeps set-uid files from giving any back, and the bounding
  # set keeps only what unshare needs for those steps.
  exec env -i "${env[@]}" /usr/bin/setpriv --no-new-privs --bounding-set=-all,+sys_chroot,+setuid,+setgid \
    /usr/bin/unshare --root="$rootfs" --wd="$workdir" --setgid="$gid" --setuid="$uid" -- "$@"
}

echo "run-image.sh: $(jq -r '.[0].RepoTags[0] // "image"' "$tmp/image/manifest.json") as $uid:$gid in $workdir:" \
  "${argv[*]}" >&2
unshare --mount --pid --fork --kill-child --propagation private -- \
  bash -c "$(declare -f start_service); start_service \"\$@\"" start_service \
  "$rootfs" "$workdir" "$uid" "$gid" "$((${#mounts[@]} / 3))" "$((${#env[@]} + ${#extra_env[@]}))" \
  "${mounts[@]}" "${env[@]}" "${extra_env[@]}" "${argv[@]}" &
ns_pid=$!

stop() { # TERM to the service; a second signal, or 60 s without result, KILLs it
  if [[ -n $stopping_since ]]; then kill -KILL "$init" 2>/dev/null || true; return 0; fi
  stopping_since=$SECONDS
  init=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null || true)
  init=${init%% *}
  [[ -z $init ]] || kill -TERM "$init" 2>/dev/null || true
}
stopping_since='' init=''
trap stop TERM INT
status=0
wait "$ns_pid" || status=$?
if [[ -n $stopping_since ]]; then # the wait was cut short by the signal: let the service finish
  while kill -0 "$ns_pid" 2>/dev/null; do
    ((SECONDS - stopping_since < 60)) || kill -KILL "$init" 2>/dev/null || true
    sleep 0.5
  done
  status=0
  wait "$ns_pid" || status=$?
fi
exit "$status"
