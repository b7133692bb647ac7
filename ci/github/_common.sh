# Shared by the GitHub Action scripts: one-line errors, single-line checks, output helpers.
# Sourced, never run. Inputs arrive as TT_* variables (never interpolated into the script
# text, so a crafted input cannot inject shell code).

tt_fail() {
  # One line the Actions UI shows as an error annotation, then stop.
  echo "::error::$*" >&2
  exit 1
}

tt_single_line() {
  # GITHUB_ENV/GITHUB_OUTPUT are line-based: a newline in a value would define other variables.
  case "$2" in
    *$'\n'* | *$'\r'*) tt_fail "$1: must be a single line" ;;
  esac
}

tt_output() {
  # name, value: a step output; multi-line values get a random heredoc delimiter.
  local delim
  delim="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s<<%s\n%s\n%s\n' "$1" "$delim" "$2" "$delim" >>"$GITHUB_OUTPUT"
}

tt_export() {
  # name, value: an environment variable for the job's later steps.
  tt_single_line "$1" "$2"
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_ENV"
}

tt_connection_env() {
  # Map the action's inputs onto the CLI's variables; empty inputs keep the job's own env.
  tt_single_line api-key "${TT_API_KEY:-}"
  tt_single_line base-url "${TT_BASE_URL:-}"
  tt_single_line vcs "${TT_VCS:-}"
  tt_single_line installation-id "${TT_INSTALLATION_ID:-}"
  if [ -n "${TT_API_KEY:-}" ]; then export TERRATEAM_API_KEY="$TT_API_KEY"; fi
  if [ -n "${TT_BASE_URL:-}" ]; then export TERRATEAM_BASE_URL="$TT_BASE_URL"; fi
  if [ -n "${TT_VCS:-}" ]; then export TERRATEAM_VCS="$TT_VCS"; fi
  if [ -n "${TT_INSTALLATION_ID:-}" ]; then export TERRATEAM_INSTALLATION_ID="$TT_INSTALLATION_ID"; fi
  # Masked before anything else can print them (GitHub masks secrets.*, not derived values).
  if [ -n "${TERRATEAM_API_KEY:-}" ]; then echo "::add-mask::$TERRATEAM_API_KEY"; fi
  if [ -z "${TT_PY:-}" ]; then tt_fail "python: no interpreter from the install step"; fi
}

tt() {
  "$TT_PY" -m terrateam_core.cli "$@"
}
