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
