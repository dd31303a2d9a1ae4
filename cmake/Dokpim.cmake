# Helpers shared by every plugin folder and test suite.

# dk_export_marked_only(<target>): a dokpim shared library exports only the
# functions whose declarations carry DK_API or DK_PRIVATE_API (see
# include/dokpim/export.h); tests/core/test_exports.sh checks the result.
function(dk_export_marked_only target)
  set_target_properties(${target} PROPERTIES
    C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# dk_add_plugin(<name> SOURCES <files...> [LIBS <targets...>])
# Builds plugins/<name> as a loadable module "<name>.so" in the build tree's
# plugin folder and installs it beside the others.
function(dk_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  string(REPLACE "." "_" target "plugin_${name}")
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME "${name}"
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${DOKPIM_BUILD_PLUGIN_DIR}
    # lib/dokpim/plugins -> lib: an installed plugin finds the dokpim
    # libraries it links (libdokpim-overlay, -queue ...) in any prefix, as
    # the binary does (`dokpim doctor` on a /tmp prefix found them missing)
    INSTALL_RPATH "$ORIGIN/../..")
  target_link_libraries(${target} PRIVATE dokpim_lib ${P_LIBS})
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/dokpim/plugins)
endfunction()

# dk_sanitizer_environment(<test>): in the sanitizer build, the options
# every test that runs dokpim needs (Check suites and shell tests alike).
function(dk_sanitizer_environment test)
  if(NOT DOKPIM_SANITIZE)
    return()
  endif()
  # Inherited by the dokpim processes a test starts. The suppressions name
  # only third-party libraries' one-time caches (see the file).
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    # GCC 12's LeakSanitizer crashes scanning the dynamic TLS of dlopen()ed
    # plugins ("Tracer caught signal 11", exit 1); not intercepting
    # __tls_get_addr avoids that and keeps leak checking on.
    # Full stacks on malloc (slower, but suppressions can then name the
    # one GLib function whose leak is deliberate).
    "ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0:fast_unwind_on_malloc=0")
endfunction()

# dk_add_check_test(<name> SOURCES <files...> [LIBS <targets...>] [TIMEOUT s])
# A Check suite run by CTest. Tests find the build tree through environment
# variables rather than guessing paths.
function(dk_add_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/common/dk_test.c
    ${PROJECT_SOURCE_DIR}/tests/common/dk_test_tools.c)
  target_link_libraries(${name} PRIVATE PkgConfig::CHECK dokpim_lib
    PkgConfig::JSONGLIB ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
    # DOKPIM_LANGUAGE=en: the suites match English messages, also for their
    # events with language=id (test_i18n checks the languages)
    ENVIRONMENT "DOKPIM_LANGUAGE=en;DOKPIM_BIN=$<TARGET_FILE:dokpim>;DOKPIM_SOURCE_DIR=${PROJECT_SOURCE_DIR};DOKPIM_BUILD_DIR=${PROJECT_BINARY_DIR};DOKPIM_PLUGIN_DIR=${DOKPIM_BUILD_PLUGIN_DIR};CK_DEFAULT_TIMEOUT=${T_TIMEOUT}")
  dk_sanitizer_environment(${name})
endfunction()

# dk_add_c2pa_test(<name> SOURCES <files...> [LIBS <targets...>] [TIMEOUT s]):
# a Check suite on Content Credentials, with the fixture the C2PA suites
# share (tests/c2pa/c2pa_fixture.h: the test CA, the reference reader).
function(dk_add_c2pa_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  dk_add_check_test(${name} SOURCES ${T_SOURCES}
    ${PROJECT_SOURCE_DIR}/tests/c2pa/c2pa_fixture.c
    LIBS dokpim_c2pa ${T_LIBS} TIMEOUT ${T_TIMEOUT})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/c2pa)
endfunction()

# dk_add_upload_test(NAME SOURCES ... [STORAGE] [POSTGRES] [LIBS ...]
#                    [DEPENDS ...] [TIMEOUT s]): a Check suite that drives
# `dokpim run` and `dokpim queue work` against the servers tests/servers
# starts on loopback. STORAGE adds the suite the WebDAV and SFTP back ends
# share; DEPENDS names the plugin targets the suite runs besides
# ingest.file. POSTGRES registers the same binary a second time, as
# NAME_pg, with its queue in PostgreSQL: the pg_queue fixture starts one
# server for the whole ctest run, and tests/servers/pg-fixture.sh gives
# each test case a queue (a schema) of its own (dk_rig_isolate_queue) and
# fails the test when no job reached PostgreSQL.
function(dk_add_upload_test name)
  cmake_parse_arguments(T "STORAGE;POSTGRES" "TIMEOUT" "SOURCES;LIBS;DEPENDS"
                        ${ARGN})
  set(rig ${PROJECT_SOURCE_DIR}/tests/servers)
  set(sources ${T_SOURCES} ${rig}/dk_servers.c ${rig}/dk_upload_rig.c)
  if(T_STORAGE)
    list(APPEND sources ${rig}/dk_storage_suite.c)
  endif()
  dk_add_check_test(${name} SOURCES ${sources} LIBS ${T_LIBS}
    TIMEOUT ${T_TIMEOUT})
  target_include_directories(${name} PRIVATE ${rig})
  add_dependencies(${name} plugin_ingest_file ${T_DEPENDS})
  if(T_POSTGRES)
    dk_pg_twin(${name})
  endif()
endfunction()

# The folder of the PostgreSQL server the pg_queue fixture runs.
set(DOKPIM_PG_FIXTURE_DIR ${CMAKE_BINARY_DIR}/pg-fixture)

# dk_pg_twin(<test>): <test>_pg, the same command with a PostgreSQL queue
# (see dk_add_upload_test POSTGRES), and the fixture's start and stop the
# first time.
function(dk_pg_twin name)
  set(script ${PROJECT_SOURCE_DIR}/tests/servers/pg-fixture.sh)
  get_property(fixture GLOBAL PROPERTY DOKPIM_PG_FIXTURE)
  if(NOT fixture)
    set_property(GLOBAL PROPERTY DOKPIM_PG_FIXTURE ON)
    add_test(NAME pg_queue_start
      COMMAND sh ${script} start ${DOKPIM_PG_FIXTURE_DIR})
    add_test(NAME pg_queue_stop
      COMMAND sh ${script} stop ${DOKPIM_PG_FIXTURE_DIR})
    set_tests_properties(pg_queue_start PROPERTIES
      FIXTURES_SETUP pg_queue TIMEOUT 60)
    set_tests_properties(pg_queue_stop PROPERTIES
      FIXTURES_CLEANUP pg_queue TIMEOUT 60)
  endif()
  get_test_property(${name} ENVIRONMENT environment)
  get_test_property(${name} TIMEOUT timeout)
  add_test(NAME ${name}_pg
    COMMAND sh ${script} run ${DOKPIM_PG_FIXTURE_DIR} ${name}
            $<TARGET_FILE:${name}>)
  set_tests_properties(${name}_pg PROPERTIES FIXTURES_REQUIRED pg_queue
    TIMEOUT ${timeout} ENVIRONMENT "${environment}")
endfunction()
