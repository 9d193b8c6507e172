# Installation and the Debian package.
#
# `cmake --install` puts the binaries in bin/, the systemd units in
# lib/systemd/system/ (with ExecStart pointing at the installed binary) and the
# example configuration at /etc/camstream/camstreamd.yaml, never overwriting a
# file an operator already edited. `cpack -G DEB` packages the same tree; dpkg
# then treats the configuration as a conffile.
include(GNUInstallDirs)

install(FILES README.md docs/PROTOCOL.md config/camstreamd.yaml DESTINATION ${CMAKE_INSTALL_DOCDIR})

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
set(CPACK_PACKAGE_CONTACT "camstream developers <dev@camstream.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LAN camera streaming daemon (camstreamd) and viewer (camview)")
set(CPACK_PACKAGE_DESCRIPTION
    "camstreamd captures one camera, encodes each frame to JPEG once and fans it out over TCP to many viewers, each with a bounded queue. camview watches the stream.")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
# dpkg-shlibdeps works out the library dependencies from the binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
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
