# 64-bit Raspberry Pi OS (Pi 3, 4, 5, Zero 2 W): see debian-cross.cmake.
set(CAMSTREAM_DEB_ARCH arm64)
set(CAMSTREAM_TRIPLET aarch64-linux-gnu)
set(CAMSTREAM_SYSTEM_PROCESSOR aarch64)
set(CAMSTREAM_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
