# shellcheck shell=bash
# Shared by the scripts in scripts/: where the repo is, how to talk to the
# user, which Debian packages camstream needs and how to install the missing
# ones, and how to configure and build a build directory.
# Sourced, never run; the sourcing script sets `set -euo pipefail`.

CAMSTREAM_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"

# Messages go to stderr with a prefix, so they stand out from compiler and
# CTest output and never mix into anything a caller captures from stdout.
step() { printf '\n==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

cd_to_repo_root() { cd "$CAMSTREAM_ROOT" || die "cannot cd to $CAMSTREAM_ROOT"; }

# --- Packages (Debian 12 / Raspberry Pi OS bookworm names) -------------------

# Shared libraries a prebuilt camstreamd/camview loads. These names carry the
# bookworm sonames (OpenCV 4.6 -> *406, yaml-cpp 0.7, spdlog 1.10), so they
# change with the next Debian release; the -dev packages below pull them in.
# gstreamer1.0-plugins-base holds the appsink and videoconvert elements every
# gstreamer: source ends in (and videotestsrc, which the tests use).
CAMSTREAM_PACKAGES_RUNTIME=(
  libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406
  libopencv-videoio406 libopencv-highgui406
  libuv1 libyaml-cpp0.7 libspdlog1.10 libsystemd0 libturbojpeg0
  libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 gstreamer1.0-plugins-base
  libhttp-parser2.9 libsodium23 libsqlite3-0
  libopus0 libasound2 libsndfile1 libogg0
)

# Toolchain and headers. Deliberately not libopencv-dev: that meta package
# drags in every OpenCV module plus VTK and Qt; cmake/CamstreamDependencies.cmake
# finds the five modules we use on its own. help2man makes the manual pages of
# camstreamd and camview from their --help (cmake/ManualPages.cmake).
CAMSTREAM_PACKAGES_BUILD=(
  build-essential cmake pkg-config
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libopencv-videoio-dev libopencv-highgui-dev
  libuv1-dev libyaml-cpp-dev libspdlog-dev libsystemd-dev libcli11-dev
  libturbojpeg0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libhttp-parser-dev libsodium-dev libsqlite3-dev nlohmann-json3-dev
  libopus-dev libasound2-dev libsndfile1-dev libogg-dev
  help2man
)

# What the test suite runs besides our binaries: doctest for unit tests, a
# virtual X server for camview, ffmpeg to make test videos and grab the screen,
# curl as an independent client, systemd for systemd-socket-activate and
# systemd-analyze, and dpkg-dev + file, which cpack uses to work out the .deb's
# library dependencies. For scripts/fuzz: clang, plus libclang-rt-dev, which
# holds libFuzzer and clang's sanitizer runtimes but which clang only recommends
# (so --no-install-recommends leaves it out), and llvm for llvm-symbolizer, so
# that sanitizer reports name files and lines. v4l-utils: v4l2-ctl, the
# independent V4L2 client the fake camera's tests compare against. The HTTP
# server's tests (tests/integration/test_http.cpp) use independent clients too:
# ffmpeg reads /stream, prometheus for promtool, which checks /metrics, and
# chromium, which loads the live page headless and screenshots it, with
# fonts-dejavu-core so that it has a font to render the page's text.
# python3-jwt and python3-cryptography: tests/support/mint_ticket.py, the
# independent ticket minter that shows a shop can mint tickets without our code.
# alsa-utils: arecord and aplay, independent ALSA clients for the audio tests.
# lintian: Debian's own package checker passes the .deb (test_packaging.cpp),
# and man-db's man -l shows its manual pages there as a user would see them.
CAMSTREAM_PACKAGES_TEST=(doctest-dev xvfb xauth ffmpeg curl systemd dpkg-dev file
  clang libclang-rt-dev llvm v4l-utils prometheus chromium fonts-dejavu-core
  python3-jwt python3-cryptography lintian man-db alsa-utils)

# scripts/cross ARCH: Debian's cross compilers, qemu-user to run what they
# build, and mmdebstrap to make the sysroot of ARCH's packages they build
# against (the group is cross-ARCH). The sysroot is not multiarch on this
# machine: the arm64 OpenCV packages pull in a GDAL that cannot be installed
# beside the amd64 one.
CAMSTREAM_PACKAGES_CROSS=(qemu-user mmdebstrap)

# What goes into a cross sysroot: the build group's libraries and headers, the
# GStreamer elements the tests run, and doctest. The build machine's own tools
# (compiler, cmake, pkg-config, help2man) stay on the build machine.
sysroot_packages() {
  local package
  for package in "${CAMSTREAM_PACKAGES_BUILD[@]}"; do
    case "$package" in
      build-essential | cmake | pkg-config | help2man) ;;
      *) printf '%s\n' "$package" ;;
    esac
  done
  printf '%s\n' libstdc++-12-dev gstreamer1.0-plugins-base doctest-dev
}

# Prints the packages of the named groups (runtime, build, test, cross-arm64,
# cross-armhf), one a line.
packages_of_groups() {
  local group
  for group in "$@"; do
    case "$group" in
      runtime) printf '%s\n' "${CAMSTREAM_PACKAGES_RUNTIME[@]}" ;;
      build) printf '%s\n' "${CAMSTREAM_PACKAGES_BUILD[@]}" ;;
      test) printf '%s\n' "${CAMSTREAM_PACKAGES_TEST[@]}" ;;
      cross-arm64 | cross-armhf)
        printf '%s\n' "${CAMSTREAM_PACKAGES_CROSS[@]}" "crossbuild-essential-${group#cross-}" ;;
      *) die "unknown package group '$group' (expected runtime, build, test, cross-arm64 or cross-armhf)" ;;
    esac
  done
}

# True when dpkg says the package is installed ("install ok installed", or
# "hold ok installed" for a held one). Half-installed or config-files-only
# packages count as missing, so apt-get gets a chance to repair them.
package_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null)" || return 1
  [[ "$status" == *" ok installed"* ]]
}

# Prints the packages among the arguments that are not installed, one a line.
missing_packages() {
  local package
  for package in "$@"; do
    package_installed "$package" || printf '%s\n' "$package"
  done
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*', and sudo is not installed; run this script as root"
  fi
}

# Installs whatever is missing from the named groups, and nothing else.
# apt-get update runs only when there is something to install, so a machine
# that already has everything never touches the network.
# CAMSTREAM_DRY_RUN=1 prints the apt-get commands instead of running them.
ensure_packages() {
  local group
  for group in "$@"; do
    [[ "$group" =~ ^(runtime|build|test|cross-arm64|cross-armhf)$ ]] ||
      die "unknown package group '$group' (expected runtime, build, test, cross-arm64 or cross-armhf)"
  done
  command -v dpkg-query >/dev/null 2>&1 ||
    die "no dpkg-query: scripts/install-deps knows Debian and Raspberry Pi OS only; install these yourself: $(packages_of_groups "$@" | tr '\n' ' ')"

  local -a wanted missing
  mapfile -t wanted < <(packages_of_groups "$@" | sort -u)
  mapfile -t missing < <(missing_packages "${wanted[@]}")

  step "checking packages for: $*"
  if [[ ${#missing[@]} -eq 0 ]]; then
    info "all ${#wanted[@]} packages are installed; nothing to install"
    return 0
  fi
  info "missing: ${missing[*]}"

  local -a update=(apt-get update)
  local -a install=(env DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ "${CAMSTREAM_DRY_RUN:-0}" == 1 ]]; then
    local sudo_prefix=""
    [[ "$(id -u)" -eq 0 ]] || sudo_prefix="sudo "
    info "CAMSTREAM_DRY_RUN=1, would run:"
    info "  ${sudo_prefix}${update[*]}"
    info "  ${sudo_prefix}${install[*]}"
    return 0
  fi
  as_root "${update[@]}"
  as_root "${install[@]}"

  local -a still_missing
  mapfile -t still_missing < <(missing_packages "${missing[@]}")
  [[ ${#still_missing[@]} -eq 0 ]] ||
    die "apt-get finished but these are still not installed: ${still_missing[*]}"
  info "installed: ${missing[*]}"
}

# --- Building -----------------------------------------------------------------

# Parallel compile jobs: CAMSTREAM_JOBS if set (a 1 GB Raspberry Pi may need
# fewer jobs than cores), otherwise one per core.
build_jobs() {
  if [[ -n "${CAMSTREAM_JOBS:-}" ]]; then
    printf '%s\n' "$CAMSTREAM_JOBS"
  else
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
  fi
}

# configure_and_build DIR SANITIZE WERROR [extra cmake arguments...]
# SANITIZE and WERROR are ON or OFF. Both are always passed explicitly:
# CMake caches options, so leaving one out would silently keep whatever an
# earlier configure of the same directory chose. CAMSTREAM_BUILD_TARGETS (an
# array, empty by default) builds only those targets instead of everything.
configure_and_build() {
  local build_dir="$1" sanitize="$2" werror="$3"
  shift 3
  command -v cmake >/dev/null 2>&1 || die "cmake is not installed; run scripts/install-deps --build"

  step "configuring $build_dir (sanitizers $sanitize, -Werror $werror)"
  cmake -S "$CAMSTREAM_ROOT" -B "$build_dir" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCAMSTREAM_SANITIZE="$sanitize" \
    -DCAMSTREAM_WERROR="$werror" \
    "$@"

  local jobs
  jobs="$(build_jobs)"
  step "building $build_dir with $jobs jobs"
  local -a targets=()
  local target
  for target in ${CAMSTREAM_BUILD_TARGETS[@]+"${CAMSTREAM_BUILD_TARGETS[@]}"}; do targets+=(--target "$target"); done
  cmake --build "$build_dir" -j"$jobs" "${targets[@]}"
}
