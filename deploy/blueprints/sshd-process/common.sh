# shellcheck shell=bash
# Shared by provision, destroy and list (sourced, not run): where the hosts live, how one is
# recognised, JSON output. A "host" is Debian's OpenSSH sshd running as a daemon on 127.0.0.1,
# with everything it needs in one directory per token under $SLIPWAY_SSHD_STATE.

set -euo pipefail
export LC_ALL=C

SSHD=/usr/sbin/sshd
STATE=${SLIPWAY_SSHD_STATE:-/tmp/slipway-sshd-hosts}
# sshd's privilege separation directory: it refuses to start without it
PRIVSEP_DIR=/run/sshd

die() {
  printf 'sshd-process: %s\n' "$*" >&2
  exit 1
}

say() {
  printf 'sshd-process: %s\n' "$*" >&2
}

# The directory of the host made for token $1 (any text: it is hashed into a safe name).
token_dir() {
  local hash
  hash=$(printf '%s' "$1" | sha256sum)
  printf '%s/%s' "$STATE" "${hash:0:32}"
}

# The directory whose provider-id file holds exactly $1, if any.
provider_dir() {
  local file
  for file in "$STATE"/*/provider-id; do
    [[ -f $file ]] || continue
    if [[ $(<"$file") == "$1" ]]; then
      printf '%s' "${file%/provider-id}"
      return 0
    fi
  done
  return 1
}

# Whether process $1 is the sshd started with config file $2: its name is sshd and its command
# line (or the title sshd gives its listener, which repeats it) holds "/usr/sbin/sshd -f $2 ".
# A pid that was reused by any other process never matches.
is_our_sshd() {
  local pid=$1 config=$2 comm
  local -a argv
  [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
  # builtins only: destroy calls this in a loop while it waits for sshd to exit
  { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || return 1
  [[ $comm == sshd ]] || return 1
  { mapfile -d '' -t argv <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  [[ " ${argv[*]} " == *" $SSHD -f $config "* ]]
}

# Prints the pid of the live sshd of host directory $1; fails when none runs.
live_pid() {
  local dir=$1 pid
  [[ -f $dir/sshd.pid ]] || return 1
  pid=$(<"$dir/sshd.pid") || return 1
  is_our_sshd "$pid" "$dir/sshd_config" || return 1
  printf '%s' "$pid"
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
