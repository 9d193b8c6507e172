# CPack post-build script: mends the camstream-dbgsym package that CMake 3.25's
# DEB generator makes (CPACK_DEBIAN_DEBUGINFO_PACKAGE). Its md5sums list each
# .debug file by its path in CPack's staging directory instead of its installed
# path, so dpkg --verify and debsums would call every file missing; and it has
# no documentation directory, which Debian's dbgsym packages make a symlink to
# the main package's (their Depends pins its exact version). Repacked with
# dpkg-deb, as it was built.
foreach(package IN LISTS CPACK_PACKAGE_FILES)
  if(NOT package MATCHES "-dbgsym[^/]*\\.ddeb$")
    continue()
  endif()
  set(tree "${package}.tree")
  file(REMOVE_RECURSE "${tree}")
  execute_process(COMMAND dpkg-deb --raw-extract "${package}" "${tree}" COMMAND_ERROR_IS_FATAL ANY)

  file(STRINGS "${tree}/DEBIAN/md5sums" sums)
  list(TRANSFORM sums REPLACE "^([0-9a-f]+  ).*-dbgsym/(usr/lib/debug/)" "\\1\\2")
  list(JOIN sums "\n" sums)
  file(WRITE "${tree}/DEBIAN/md5sums" "${sums}\n")

  file(MAKE_DIRECTORY "${tree}/usr/share/doc")
  file(CREATE_LINK "${CPACK_PACKAGE_NAME}" "${tree}/usr/share/doc/${CPACK_PACKAGE_NAME}-dbgsym" SYMBOLIC)

  # gzip -6, as CPack compresses by default (dpkg-deb's own default, xz, takes a minute here).
  execute_process(COMMAND dpkg-deb --root-owner-group -Zgzip -z6 --build "${tree}" "${package}"
                  OUTPUT_QUIET COMMAND_ERROR_IS_FATAL ANY)
  file(REMOVE_RECURSE "${tree}")
  message(STATUS "Mended ${package}: md5sums of installed paths, documentation symlink")
endforeach()
