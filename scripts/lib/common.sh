# shellcheck shell=bash
# Variables defined here are used by the scripts that source this file.
# shellcheck disable=SC2034
# Shared helpers for scripts/run, scripts/test and scripts/pg.
# Sourced, never executed: the caller sets `set -euo pipefail`.

# Let `set -e` reach into $(...) too, so a failing step inside a command
# substitution stops the script instead of yielding a half-made value.
shopt -s inherit_errexit

# Repository top, resolved physically so that paths we hand to the postgres
# user or record in .local/ do not depend on how the caller spelled them.
PT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
pt_root=$PT_ROOT # same, for callers that prefer the lower-case name
export PT_ROOT

PT_PGBIN=/usr/lib/postgresql/15/bin
PT_PYTHON=/usr/bin/python3 # Debian's python, which has python3-pytest/yaml

# Debian packages the build, the embedded database and the tests need
# (clang, libFuzzer's runtime and llvm-symbolizer for the fuzzing build;
# dpkg-dev and lintian for scripts/package and its test; pgbouncer and
# haproxy for tests/e2e/test_pooler.py and scripts/cluster).
PT_PACKAGES=(
    meson ninja-build pkg-config gcc
    libevent-dev libcjson-dev libpq-dev libsodium-dev libssl-dev
    postgresql-15 postgresql-client-15
    clang-format python3-pytest python3-yaml python3-jsonschema python3-argon2
    nodejs npm curl ca-certificates jq
    clang libclang-rt-dev llvm
    dpkg-dev lintian
    pgbouncer haproxy
)

pt_log() { printf '%s\n' "$*" >&2; }
pt_die() {
    pt_log "error: $*"
    exit 1
}

# Run a command as root: directly when we are root, else through sudo.
pt_sudo() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -- "$@"
    fi
}

pt_apt_get() {
    pt_sudo env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"
}

pt_pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# pt_ensure_packages [PKG...]: install whichever of PKG (default: all of
# PT_PACKAGES) is missing; apt-get update only when something is, so a
# machine that already has everything does no network access at all.
pt_ensure_packages() {
    local missing=() pkg
    [ $# -gt 0 ] || set -- "${PT_PACKAGES[@]}"
    for pkg in "$@"; do
        case $pkg in
        # Node may come from elsewhere (NodeSource's nodejs bundles npm and
        # conflicts with Debian's npm): a working command is enough.
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        pt_pkg_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    pt_log "installing Debian packages: ${missing[*]}"
    pt_apt_get update >&2 || return 1
    pt_apt_get install -y --no-install-recommends "${missing[@]}" >&2
}

# pt_build DIR [meson options...]: configure DIR once, reconfigure only when
# the options we pass change, then compile. Meson itself regenerates when a
# meson.build changes. Every step checks its result explicitly: callers may
# run this inside `if`, where set -e does not apply.
pt_build() {
    local dir=$1
    shift
    pt_ensure_web_deps || return 1
    local stamp="$PT_ROOT/$dir/.pt-setup-options" want
    want=$(printf '%s\n' "$@")
    if [ ! -f "$PT_ROOT/$dir/build.ninja" ]; then
        # A setup that failed half-way leaves a directory meson refuses to
        # set up again; nothing in it is worth keeping.
        rm -rf "${PT_ROOT:?}/$dir"
        (cd "$PT_ROOT" && meson setup "$dir" "$@") >&2 || return 1
        printf '%s\n' "$want" >"$stamp" || return 1
    elif [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        rm -f "$stamp"
        (cd "$PT_ROOT" && meson setup --reconfigure "$dir" "$@") >&2 || return 1
        printf '%s\n' "$want" >"$stamp" || return 1
    fi
    meson compile -C "$PT_ROOT/$dir" >&2
}

# The two build flavours everything uses.
PT_BUILD_OPTS=(-Dbuildtype=debugoptimized)
# shellcheck disable=SC2054 # the commas belong to the option value
PT_ASAN_OPTS=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
pt_build_default() { pt_build build "${PT_BUILD_OPTS[@]}"; }
pt_build_asan() { pt_build build-asan "${PT_ASAN_OPTS[@]}"; }
# The libFuzzer harnesses of tests/fuzz: clang, coverage, ASan and UBSan (meson.build).
PT_FUZZ_OPTS=(-Dfuzz=true -Dbuildtype=debugoptimized)
pt_build_fuzz() { CC=clang pt_build build-fuzz "${PT_FUZZ_OPTS[@]}"; }

# Sanitizer settings for running the build-asan binaries, as NAME=VALUE
# words in the array PT_SAN_ENV (for `env "${PT_SAN_ENV[@]}" cmd`).
pt_sanitizer_env() {
    PT_SAN_ENV=(
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    )
    if [ -f "$PT_ROOT/tests/sanitizer/lsan.supp" ]; then
        PT_SAN_ENV+=("LSAN_OPTIONS=suppressions=$PT_ROOT/tests/sanitizer/lsan.supp")
    fi
}

# apt-get download PKG into DIR. As root apt would hand the download to its
# _apt user, who may not be able to enter DIR (a clone under /root): it then
# falls back with a warning; say up front to download as root.
pt_apt_download() {
    local opts=()
    [ "$(id -u)" -eq 0 ] && opts=(-o APT::Sandbox::User=root)
    (cd "$2" && apt-get -q "${opts[@]}" download "$1") >&2
}

# promtool without the prometheus package: installing that package would
# start a Prometheus server from its postinst. We unpack the .deb instead.
# Prints promtool's path.
pt_ensure_promtool() {
    local dest="$PT_ROOT/.local/prometheus" cache="$PT_ROOT/.local/cache"
    local tool="$dest/usr/bin/promtool" deb
    if [ ! -x "$tool" ]; then
        mkdir -p "$cache" || return 1
        deb=$(find "$cache" -maxdepth 1 -name 'prometheus_*.deb' | sort | tail -n1)
        if [ -z "$deb" ]; then
            # apt-get download needs package lists; fetch them only if the
            # first try fails (a fresh machine may have none).
            if ! pt_apt_download prometheus "$cache"; then
                pt_apt_get update >&2 || return 1
                pt_apt_download prometheus "$cache" || return 1
            fi
            deb=$(find "$cache" -maxdepth 1 -name 'prometheus_*.deb' | sort | tail -n1)
        fi
        [ -n "$deb" ] || pt_die "could not download the prometheus package"
        rm -rf "$dest"
        mkdir -p "$dest" || return 1
        dpkg-deb -x "$deb" "$dest" || return 1
        [ -x "$tool" ] || pt_die "promtool not found in $deb"
    fi
    printf '%s\n' "$tool"
}

# Redocly's CLI phones home and checks for updates on every run unless told
# not to; with no internet that only costs seconds.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

# @redocly/cli, pinned by tools/package-lock.json. Reinstalled when the lock
# file changes (npm ci always starts from an empty node_modules). Prints the
# path of the redocly command.
# pt_ensure_npm_dir DIR: `npm ci` in DIR when its node_modules is missing or
# older than its lockfile (no install scripts: none of our packages needs one).
pt_ensure_npm_dir() {
    local dir=$1 stamp="$1/node_modules/.pt-package-lock.json"
    if [ ! -d "$dir/node_modules" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        pt_log "installing ${dir#"$PT_ROOT"/}/ node modules (npm ci)"
        npm ci --prefix "$dir" --no-audit --no-fund --no-update-notifier \
            --ignore-scripts >&2 || return 1
        cp "$dir/package-lock.json" "$stamp" || return 1
    fi
}

# The console's build-time packages (ECharts), which the build compiles in.
pt_ensure_web_deps() { pt_ensure_npm_dir "$PT_ROOT/web"; }

# The browser suite: Debian's chromium and CJK fonts, npm's playwright-core
# (pointed at that chromium; its own browser downloads are not used) and axe-core.
pt_ensure_browser() {
    pt_ensure_packages chromium fonts-noto-cjk || return 1
    pt_ensure_npm_dir "$PT_ROOT/tests/browser"
}

pt_ensure_redocly() {
    local tools="$PT_ROOT/tools" bin="$PT_ROOT/tools/node_modules/.bin/redocly"
    local stamp="$PT_ROOT/tools/node_modules/.pt-package-lock.json"
    if [ ! -x "$bin" ] || ! cmp -s "$tools/package-lock.json" "$stamp"; then
        pt_log "installing tools/ node modules (npm ci)"
        # No install scripts: none of these packages needs one to work.
        npm ci --prefix "$tools" --no-audit --no-fund --no-update-notifier \
            --ignore-scripts >&2 || return 1
        cp "$tools/package-lock.json" "$stamp" || return 1
    fi
    [ -x "$bin" ] || pt_die "redocly not found at $bin after npm ci"
    printf '%s\n' "$bin"
}
