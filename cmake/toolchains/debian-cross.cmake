# Cross-compiles camstream for a Raspberry Pi OS / Debian bookworm architecture
# with Debian's cross compilers against a sysroot of that architecture's
# packages (scripts/cross makes one with mmdebstrap). Included by arm64.cmake
# and armhf.cmake, which set the Debian architecture and the GNU triplet.
#
# The sysroot comes from CAMSTREAM_SYSROOT (cache or environment): CMake
# re-reads this file for every try_compile, where only the environment and
# CMAKE_TRY_COMPILE_PLATFORM_VARIABLES survive.
if(NOT CAMSTREAM_SYSROOT)
  set(CAMSTREAM_SYSROOT "$ENV{CAMSTREAM_SYSROOT}")
endif()
if(NOT IS_DIRECTORY "${CAMSTREAM_SYSROOT}/usr/lib/${CAMSTREAM_TRIPLET}")
  message(FATAL_ERROR "CAMSTREAM_SYSROOT='${CAMSTREAM_SYSROOT}' holds no ${CAMSTREAM_DEB_ARCH} "
                      "libraries: scripts/cross ${CAMSTREAM_DEB_ARCH} makes the sysroot")
endif()
set(ENV{CAMSTREAM_SYSROOT} "${CAMSTREAM_SYSROOT}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CAMSTREAM_SYSROOT)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${CAMSTREAM_SYSTEM_PROCESSOR})
set(CMAKE_C_COMPILER ${CAMSTREAM_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CAMSTREAM_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CAMSTREAM_TRIPLET})
set(CMAKE_SYSROOT "${CAMSTREAM_SYSROOT}")

# Libraries, headers and CMake packages from the sysroot only; programs
# (pkg-config, help2man, gzip) from the build machine.
set(CMAKE_FIND_ROOT_PATH "${CAMSTREAM_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The build machine's pkg-config, reading only the sysroot's .pc files.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CAMSTREAM_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${CAMSTREAM_SYSROOT}/usr/lib/${CAMSTREAM_TRIPLET}/pkgconfig:${CAMSTREAM_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Programs the build runs (the manual pages' help2man) and the tests CTest runs
# go through qemu-user: there is no binfmt_misc to do it implicitly. -L makes
# the emulated program's dynamic loader and libraries come from the sysroot.
set(CMAKE_CROSSCOMPILING_EMULATOR ${CAMSTREAM_QEMU};-L;${CAMSTREAM_SYSROOT})

set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CAMSTREAM_DEB_ARCH})
