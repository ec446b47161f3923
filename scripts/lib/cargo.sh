# shellcheck shell=bash
# scripts/lib/cargo.sh: where cargo puts what it builds, for scripts/run, scripts/test and
# scripts/bench (sourced after lib/postgres.sh, not run).
#
#   rapport_resolve_target_dir   a relative CARGO_TARGET_DIR (or CARGO_BUILD_TARGET_DIR) made
#                                absolute against the caller's directory (call before any cd)
#   rapport_binary PROFILE       the path of the rapport binary cargo built for PROFILE
#
# The build may live anywhere: CARGO_TARGET_DIR, CARGO_BUILD_TARGET_DIR, or build.target-dir
# in a .cargo/config.toml. `cargo metadata` applies the same rules as `cargo build`, so the
# scripts ask it instead of assuming target/.

# The scripts cd to the repository root, where cargo would resolve a relative directory
# differently from what the user meant.
rapport_resolve_target_dir() {
  local variable
  for variable in CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR; do
    if [[ -n "${!variable:-}" && "${!variable}" != /* ]]; then
      printf -v "$variable" '%s/%s' "$PWD" "${!variable}"
      export "${variable?}"
    fi
  done
}

# The target directory, from `cargo metadata` (its JSON escapes only quotes, backslashes and
# control characters, which a build directory does not contain).
rapport_target_dir() {
  local metadata dir
  metadata="$(cargo metadata --format-version 1 --no-deps)" || die "cargo metadata failed"
  dir="$(sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p' <<<"$metadata")"
  [[ -n "$dir" ]] || die "cargo metadata did not name the target directory"
  printf '%s' "$dir"
}

rapport_binary() {
  local binary
  binary="$(rapport_target_dir)/$1/rapport"
  [[ -x "$binary" ]] || die "cargo built no $binary"
  printf '%s' "$binary"
}
