# Manual pages, made by the build from the programs themselves so that they
# cannot drift from them: camstreamd(8) and camview(1) by help2man from their
# --help and --version (camstreamd's subcommands each from its own --help;
# packaging/man/make-manual-page), camstreamd.yaml(5) by camstreamd_config_manual
# from the configuration schema. gzip -9n: no name or time in the header, as
# Debian wants installed pages. Under a cross-build the programs run through
# CMAKE_CROSSCOMPILING_EMULATOR.
find_program(HELP2MAN_EXECUTABLE help2man)
if(NOT HELP2MAN_EXECUTABLE)
  message(FATAL_ERROR "help2man is needed to build the manual pages: scripts/install-deps --build installs it")
endif()
find_program(GZIP_EXECUTABLE gzip REQUIRED)

set(CAMSTREAM_MAN_DIR ${PROJECT_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${CAMSTREAM_MAN_DIR})
set(man_sources ${PROJECT_SOURCE_DIR}/packaging/man)

# camstream_program_manual(TARGET SECTION "NAME LINE"): TARGET.SECTION.gz from
# the program's --help, with packaging/man/TARGET.h2m for what --help cannot say.
function(camstream_program_manual target section name_line)
  set(page ${CAMSTREAM_MAN_DIR}/${target}.${section}.gz)
  add_custom_command(OUTPUT ${page}
    COMMAND ${man_sources}/make-manual-page ${page} ${section} ${name_line} ${man_sources}/${target}.h2m
            $<TARGET_FILE:${target}> ${CMAKE_CROSSCOMPILING_EMULATOR}
    DEPENDS ${target} ${man_sources}/make-manual-page ${man_sources}/cli11-help-to-roff.awk
            ${man_sources}/${target}.h2m
    COMMENT "Writing the manual page ${target}(${section})"
    VERBATIM)
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  set_property(GLOBAL APPEND PROPERTY camstream_manual_pages ${page})
endfunction()

camstream_program_manual(camstreamd 8 "stream one camera to many viewers over TCP and HTTP")
camstream_program_manual(camview 1 "watch a camstreamd stream, or check it headless")

set(config_page ${CAMSTREAM_MAN_DIR}/camstreamd.yaml.5)
# A target name as COMMAND: CMake runs it through the emulator when cross-compiling.
add_custom_command(OUTPUT ${config_page}.gz
  COMMAND camstreamd_config_manual ${config_page}
  COMMAND ${GZIP_EXECUTABLE} -9nf ${config_page}
  DEPENDS camstreamd_config_manual
  COMMENT "Writing the manual page camstreamd.yaml(5)"
  VERBATIM)
install(FILES ${config_page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
set_property(GLOBAL APPEND PROPERTY camstream_manual_pages ${config_page}.gz)

get_property(pages GLOBAL PROPERTY camstream_manual_pages)
add_custom_target(camstream_manual_pages ALL DEPENDS ${pages})
