// The libc functions the fake interposes, as libc itself provides them. The
// fake's own file reads must go through these: calling ::open or ::stat from
// inside the library would land in our own interposers again.
#pragma once

#include <dlfcn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>


namespace fake_v4l2::real {

// Looked up on first use, not in a static constructor: the library must cost
// nothing in a process that never touches a fake device.
template <typename Function>
Function next(const char* name) {
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

#define FAKE_V4L2_REAL(name, type)                         \
    inline type name() {                                    \
        static const type function = next<type>(#name);     \
        return function;                                    \
    }

using OpenFunction = int (*)(const char*, int, ...);
using OpenAtFunction = int (*)(int, const char*, int, ...);
using OpenFortifiedFunction = int (*)(const char*, int);
using CloseFunction = int (*)(int);
using IoctlFunction = int (*)(int, unsigned long, ...);
using MmapFunction = void* (*)(void*, size_t, int, int, int, off_t);
// off64_t: the same type as off_t on 64-bit systems, 64 bits on armhf, where off_t has 32.
using Mmap64Function = void* (*)(void*, size_t, int, int, int, off64_t);
using MunmapFunction = int (*)(void*, size_t);
using StatFunction = int (*)(const char*, struct stat*);
using FstatFunction = int (*)(int, struct stat*);
using FstatAtFunction = int (*)(int, const char*, struct stat*, int);
using Stat64Function = int (*)(const char*, struct stat64*);
using Fstat64Function = int (*)(int, struct stat64*);
using FstatAt64Function = int (*)(int, const char*, struct stat64*, int);
using FopenFunction = FILE* (*)(const char*, const char*);

FAKE_V4L2_REAL(open, OpenFunction)
FAKE_V4L2_REAL(open64, OpenFunction)
FAKE_V4L2_REAL(openat, OpenAtFunction)
FAKE_V4L2_REAL(openat64, OpenAtFunction)
FAKE_V4L2_REAL(__open_2, OpenFortifiedFunction)
FAKE_V4L2_REAL(__open64_2, OpenFortifiedFunction)
FAKE_V4L2_REAL(close, CloseFunction)
FAKE_V4L2_REAL(ioctl, IoctlFunction)
FAKE_V4L2_REAL(mmap, MmapFunction)
FAKE_V4L2_REAL(mmap64, Mmap64Function)
FAKE_V4L2_REAL(munmap, MunmapFunction)
FAKE_V4L2_REAL(stat, StatFunction)
FAKE_V4L2_REAL(stat64, Stat64Function)
FAKE_V4L2_REAL(lstat, StatFunction)
FAKE_V4L2_REAL(lstat64, Stat64Function)
FAKE_V4L2_REAL(fstat, FstatFunction)
FAKE_V4L2_REAL(fstat64, Fstat64Function)
FAKE_V4L2_REAL(fstatat, FstatAtFunction)
FAKE_V4L2_REAL(fstatat64, FstatAt64Function)
FAKE_V4L2_REAL(fopen, FopenFunction)
FAKE_V4L2_REAL(fopen64, FopenFunction)

#undef FAKE_V4L2_REAL

}  // namespace fake_v4l2::real
