// Running the integration tests under qemu-user (scripts/cross): which spawned
// programs need the emulator, and how much longer the tests wait for things.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace camstream::test {

// True when CAMSTREAM_TEST_EMULATOR is set: this test binary and the programs
// it builds are running under an emulator, not on their own hardware.
bool emulated();

// CAMSTREAM_TEST_TIME_SCALE (default 1): how many times longer the tests wait
// for something to happen. Emulation is slower, not different, so deadlines
// stretch while what the tests check stays the same.
double time_scale();

// `timeout` stretched by time_scale().
template <typename Rep, typename Period>
std::chrono::milliseconds scaled(std::chrono::duration<Rep, Period> timeout) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
    return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(ms.count()) * time_scale()));
}

// `argv` to start as given, or, under emulation, behind the emulator's words
// when argv[0] is a program built for this test binary's own architecture
// (camstreamd, camview): the kernel has no binfmt_misc to start it. The build
// machine's tools (curl, ffmpeg, Xvfb, scripts) start as they are; a test whose
// tool starts one of our programs itself (systemd-socket-activate) passes it
// the result of this.
std::vector<std::string> with_emulator(const std::vector<std::string>& argv);

// The exit status CTest reports as "Skipped" (SKIP_RETURN_CODE in tests/CMakeLists.txt).
inline constexpr int kSkipExitCode = 77;

// Under emulation, says why on stdout and ends the test process as skipped.
// Call it first in a test case, before it starts anything: it exits at once.
void skip_if_emulated(const char* reason);

}  // namespace camstream::test
