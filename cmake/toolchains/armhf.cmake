# 32-bit Raspberry Pi OS, Debian's armhf (ARMv7 hard-float; every Pi from the
# Pi 2 on): see debian-cross.cmake. Debian armhf is ARMv7, so a Pi 1 or Zero
# (ARMv6) needs Raspberry Pi OS's own armhf build instead.
set(CAMSTREAM_DEB_ARCH armhf)
set(CAMSTREAM_TRIPLET arm-linux-gnueabihf)
set(CAMSTREAM_SYSTEM_PROCESSOR armv7l)
set(CAMSTREAM_QEMU qemu-arm)
# GCC notes on every std::span or vector iterator passed by value that its
# ARM calling convention changed in GCC 7.1; everything here is built by GCC 12.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
