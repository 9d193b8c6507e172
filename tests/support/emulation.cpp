// Running the integration tests under qemu-user (see emulation.hpp).
#include "support/emulation.hpp"

#include <elf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace camstream::test {

namespace {

// The ELF machine this file was compiled for: the programs built beside it.
constexpr std::uint16_t own_machine() {
#if defined(__aarch64__)
    return EM_AARCH64;
#elif defined(__arm__)
    return EM_ARM;
#elif defined(__x86_64__)
    return EM_X86_64;
#else
    return EM_NONE;
#endif
}

bool built_for_own_machine(const std::string& program) {
    std::ifstream in(program, std::ios::binary);
    unsigned char header[EI_NIDENT + 4] = {};
    if (!in.read(reinterpret_cast<char*>(header), sizeof header)) return false;
    if (std::memcmp(header, ELFMAG, SELFMAG) != 0) return false;
    // e_machine follows e_type, in the file's byte order; ARM is little-endian here.
    const std::uint16_t machine =
        static_cast<std::uint16_t>(header[EI_NIDENT + 2] | (header[EI_NIDENT + 3] << 8));
    return machine == own_machine();
}

}  // namespace

bool emulated() {
    const char* emulator = std::getenv("CAMSTREAM_TEST_EMULATOR");
    return emulator != nullptr && *emulator != '\0';
}

double time_scale() {
    static const double scale = [] {
        const char* text = std::getenv("CAMSTREAM_TEST_TIME_SCALE");
        const double value = text != nullptr ? std::atof(text) : 1.0;
        return value >= 1.0 ? value : 1.0;
    }();
    return scale;
}

void skip_if_emulated(const char* reason) {
    if (!emulated()) return;
    std::printf("SKIPPED under emulation (%s): %s\n", std::getenv("CAMSTREAM_TEST_EMULATOR"), reason);
    std::fflush(stdout);
    std::exit(kSkipExitCode);
}

std::vector<std::string> with_emulator(const std::vector<std::string>& argv) {
    if (!emulated() || argv.empty() || !built_for_own_machine(argv[0])) return argv;
    std::vector<std::string> result;
    std::istringstream words(std::getenv("CAMSTREAM_TEST_EMULATOR"));
    for (std::string word; words >> word;) result.push_back(word);
    result.insert(result.end(), argv.begin(), argv.end());
    return result;
}

}  // namespace camstream::test
