# Installation and the Debian package.
#
# `cmake --install` puts the binaries in bin/, the systemd units in
# lib/systemd/system/ (with ExecStart pointing at the installed binary), the
# manual pages (cmake/ManualPages.cmake), the documentation with the copyright
# file and changelog, and the example configuration at
# /etc/camstream/camstreamd.yaml, never overwriting a file an operator already
# edited. `cpack -G DEB` packages the same tree, stripped, with the debug
# symbols in a camstream-dbgsym package; dpkg then treats the configuration as
# a conffile. lintian checks both packages (tests/integration/test_packaging.cpp).
include(GNUInstallDirs)
include(ManualPages)

install(FILES README.md docs/ACCESS.md docs/HARDWARE.md docs/METRICS.md docs/PROTOCOL.md
              config/camstreamd.yaml packaging/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Debian's changelog, gzipped as Debian installs it. The package is native (its
# version has no Debian revision), so the file is changelog.gz. Its newest entry
# must be this version: lintian and apt's changelog viewer read it.
file(STRINGS packaging/changelog changelog_top LIMIT_COUNT 1)
if(NOT changelog_top MATCHES "^camstream \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/changelog starts with '${changelog_top}': add an entry for ${PROJECT_VERSION} at its top")
endif()
set(changelog ${PROJECT_BINARY_DIR}/packaging/changelog)
add_custom_command(OUTPUT ${changelog}.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/packaging/changelog ${changelog}
  COMMAND ${GZIP_EXECUTABLE} -9nf ${changelog}
  DEPENDS packaging/changelog
  VERBATIM)
add_custom_target(camstream_changelog ALL DEPENDS ${changelog}.gz)
install(FILES ${changelog}.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

# install(CODE) sees only what is set at install time; hand it the source dir.
install(CODE "set(CAMSTREAM_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")")
# Units and config are written at install time: only then is the final
# prefix known (cpack installs with prefix /usr into a staging DESTDIR).
install(CODE [[
  set(staging "$ENV{DESTDIR}")
  set(unit_dir "${staging}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  foreach(unit camstreamd.service camstreamd.socket)
    file(READ "${CAMSTREAM_SOURCE_DIR}/systemd/${unit}" text)
    string(REPLACE "/usr/bin/" "${CMAKE_INSTALL_PREFIX}/bin/" text "${text}")
    file(MAKE_DIRECTORY "${unit_dir}")
    file(WRITE "${unit_dir}/${unit}" "${text}")
    message(STATUS "Installing: ${unit_dir}/${unit}")
  endforeach()

  set(config "${staging}/etc/camstream/camstreamd.yaml")
  if(EXISTS "${config}")
    message(STATUS "Keeping the existing ${config}")
  else()
    # file(INSTALL) adds DESTDIR itself.
    file(INSTALL "${CAMSTREAM_SOURCE_DIR}/config/camstreamd.yaml" DESTINATION "/etc/camstream")
  endif()
]])

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME camstream)
set(CPACK_PACKAGE_VENDOR "camstream")
# The project has no mailing list yet; this address is GitHub's no-reply form,
# which lintian accepts (it refuses hosts such as .local that cannot exist).
set(CPACK_PACKAGE_CONTACT "camstream developers <camstream@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LAN camera streaming daemon (camstreamd) and viewer (camview)")
# One paragraph, in lines of at most 80 characters as Debian wants.
set(CPACK_PACKAGE_DESCRIPTION [[camstreamd captures one camera, encodes each frame to JPEG once and
fans it out to many viewers over TCP and HTTP, each with a bounded queue,
so a slow viewer skips frames instead of slowing the others.
camview watches the stream, or checks it headless.]])
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
# dpkg-shlibdeps works out the library dependencies from the binaries. It asks
# the target's dpkg database which package holds each library, and a cross
# sysroot (scripts/cross) is extracted packages without one: there the
# dependencies are the runtime list from scripts/lib.sh, whose names carry the
# libraries' sonames, plus the C and C++ runtimes of bookworm's GCC 12.
if(CMAKE_CROSSCOMPILING)
  if(NOT CAMSTREAM_CROSS_DEPENDS)
    message(FATAL_ERROR "cross-compiling needs CAMSTREAM_CROSS_DEPENDS, the package's Depends: "
                        "scripts/cross sets it")
  endif()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${CAMSTREAM_CROSS_DEPENDS}")
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
# Ship the ELF files stripped and put their debug symbols in
# camstream-dbgsym_VERSION_ARCH.ddeb (/usr/lib/debug/.build-id/), which gdb
# finds by build id. Not CPACK_STRIP_FILES: it would throw the symbols away.
# packaging/repair-dbgsym.cmake mends what CMake 3.25 gets wrong in that package.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_POST_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/packaging/repair-dbgsym.cmake)
# The elements every gstreamer: source ends in (appsink, videoconvert); a Pi
# Camera Module also needs gstreamer1.0-libcamera, which only Raspberry Pi OS has.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, gstreamer1.0-plugins-base")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gstreamer1.0-libcamera, v4l-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
