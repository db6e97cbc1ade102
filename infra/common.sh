# shellcheck shell=bash
# Sourced by infra/test and .ci/run (not run on its own): timed steps that stop at the first
# failure, and the repository's Python virtualenv (.venv). Expects ROOT (the repository root).

PORTAL_VENV="$ROOT/.venv"
STEP_TIMINGS=()

# step NAME COMMAND...: runs COMMAND, prints how long it took; on failure prints which step
# failed and the timings so far, and exits with COMMAND's status.
# (COMMAND runs in this shell, so functions may export variables. Functions given to step must
# check their own commands: errexit does not apply inside them here.)
step() {
    local name=$1 start=$SECONDS status=0 took
    shift
    printf '\n==> %s\n' "$name"
    "$@" || status=$?
    took=$((SECONDS - start))
    STEP_TIMINGS+=("$(printf '%-44s %5ds' "$name" "$took")")
    if ((status != 0)); then
        printf '\n*** FAILED: %s (exit status %d, after %ds)\n' "$name" "$status" "$took" >&2
        print_timings >&2
        exit "$status"
    fi
    printf '<== %s: ok (%ds)\n' "$name" "$took"
}

print_timings() {
    printf '\nTimings:\n'
    local line
    for line in "${STEP_TIMINGS[@]}"; do
        printf '  %s\n' "$line"
    done
    printf '  %-44s %5ds\n' "total" "$SECONDS"
}

# Echoes a command, then runs it.
run() {
    printf '$ %s\n' "$*"
    "$@"
}

# The interpreter to create .venv with: $PYTHON, else python3.11, else python3 (3.10 or newer).
portal_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [[ -n $candidate ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "error: Python 3.10 or newer is needed: put python3.11 or python3 on PATH, or set PYTHON" >&2
    return 1
}

# Creates .venv when it is missing, or recreates it when it no longer runs (e.g. its Python was
# removed).
ensure_venv() {
    if [[ -x $PORTAL_VENV/bin/python ]] && "$PORTAL_VENV/bin/python" -c '' 2>/dev/null; then
        echo ".venv: present ($("$PORTAL_VENV/bin/python" --version 2>&1))"
        return 0
    fi
    if [[ -e $PORTAL_VENV && ! -f $PORTAL_VENV/pyvenv.cfg ]]; then
        echo "error: $PORTAL_VENV exists but is not a virtualenv; move it away" >&2
        return 1
    fi
    local python
    python=$(portal_python) || return 1
    rm -rf "$PORTAL_VENV"
    run "$python" -m venv "$PORTAL_VENV" || return 1
}

# ensure_requirements FILE: pip-installs the pinned FILE into .venv, unless it was already
# installed from exactly this FILE with this Python (a stamp in .venv records that).
ensure_requirements() {
    local file=$1 stamp want
    stamp="$PORTAL_VENV/.installed-$(basename "$file").stamp"
    want="$(sha256sum "$file" | cut -d' ' -f1) $("$PORTAL_VENV/bin/python" --version 2>&1)" ||
        return 1
    if [[ -f $stamp && "$(<"$stamp")" == "$want" ]]; then
        echo "${file#"$ROOT"/}: installed, unchanged"
        return 0
    fi
    run "$PORTAL_VENV/bin/python" -m pip install --disable-pip-version-check --quiet \
        --requirement "$file" || return 1
    printf '%s\n' "$want" >"$stamp"
}

# The Debian packages the browser tests need: Chromium, and a font for its screenshots.
BROWSER_APT_PACKAGES=(chromium fonts-dejavu-core)

# Which of the named Debian packages are not installed (none, off Debian: dpkg decides there).
apt_missing() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q "install ok installed" ||
            printf '%s\n' "$package"
    done
}

# How this user may install Debian packages: as root, or through sudo without a password.
# Prints the command prefix ("" or "sudo"); fails when neither works.
apt_installer() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if ((EUID == 0)); then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "sudo"
    else
        return 1
    fi
}

# apt_install PACKAGE...: apt-get update, then install them (as apt_installer allows).
apt_install() {
    local prefix
    prefix=$(apt_installer) || return 1
    local sudo=()
    [[ -n $prefix ]] && sudo=("$prefix")
    run "${sudo[@]}" apt-get update --quiet || return 1
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install --yes --quiet \
        --no-install-recommends "$@"
}

# Everything the tests need that the project cannot install itself is here, and what it can
# (Chromium and its font, through apt, as root or with passwordless sudo) is installed; otherwise
# it stops before any test runs, with the exact commands to run. A person is never left with a
# half-run suite for want of a tool.
prerequisites() {
    local problems=() fixes=()
    command -v cargo >/dev/null 2>&1 ||
        { problems+=("no Rust toolchain (cargo)"); fixes+=("install Rust with rustup, then open a new shell"); }
    if command -v cargo >/dev/null 2>&1; then
        cargo fmt --version >/dev/null 2>&1 ||
            { problems+=("no rustfmt"); fixes+=("rustup component add rustfmt"); }
        cargo clippy --version >/dev/null 2>&1 ||
            { problems+=("no clippy"); fixes+=("rustup component add clippy"); }
    fi
    portal_python >/dev/null 2>&1 ||
        { problems+=("no Python 3.10 or newer (python3, or \$PYTHON)"); fixes+=("install Python 3.10+ (Debian: apt-get install python3 python3-venv)"); }
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
        ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)'; then
        problems+=("no Node.js 20 or newer with npm")
        fixes+=("install Node.js 20+ with npm")
    fi

    local chromium=${CHROMIUM:-/usr/bin/chromium}
    if [[ -n ${CHROMIUM:-} && ! -x $CHROMIUM ]]; then
        problems+=("CHROMIUM=$CHROMIUM is not an executable")
        fixes+=("unset CHROMIUM, or point it at a Chromium or Chrome binary")
    elif [[ -z ${CHROMIUM:-} ]]; then
        local wanted=()
        mapfile -t wanted < <(apt_missing "${BROWSER_APT_PACKAGES[@]}")
        [[ -x $chromium ]] || [[ " ${wanted[*]} " == *" chromium "* ]] || wanted+=(chromium)
        if ((${#wanted[@]} > 0)); then
            if apt_installer >/dev/null; then
                echo "installing what the browser tests need: ${wanted[*]}"
                apt_install "${wanted[@]}" ||
                    { problems+=("apt-get could not install ${wanted[*]}"); fixes+=("sudo apt-get install --yes --no-install-recommends ${wanted[*]}"); }
            elif command -v apt-get >/dev/null 2>&1; then
                problems+=("the browser tests need ${wanted[*]}, and this user cannot install packages")
                fixes+=("sudo apt-get install --yes --no-install-recommends ${wanted[*]}")
            else
                problems+=("no Chromium at $chromium")
                fixes+=("install Chromium, then run: CHROMIUM=/path/to/chromium infra/test")
            fi
        fi
    fi

    if ((${#problems[@]} > 0)); then
        printf 'error: the tests cannot run yet:\n' >&2
        printf '  - %s\n' "${problems[@]}" >&2
        printf 'Run, then try again:\n' >&2
        printf '  %s\n' "${fixes[@]}" >&2
        return 1
    fi
    echo "Rust: $(cargo --version); Python: $("$(portal_python)" --version 2>&1); Node.js: $(node --version)"
    echo "Chromium: $("$chromium" --version 2>/dev/null || echo "$chromium")"
    cargo nextest --version >/dev/null 2>&1 ||
        echo "(cargo-nextest is not installed: the tests run with cargo test, a little slower)"
}
