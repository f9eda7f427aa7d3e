# How tests are registered: one helper per kind of test.
#   rankpool_add_unit_test  a GoogleTest binary that runs no MPI: one ctest entry <name>.
#   rankpool_add_mpi_test   a GoogleTest binary that is itself the MPI program: run under
#                           mpirun once per rank count, <name>.<n>ranks.
#   rankpool_add_cli_test   a GoogleTest binary that runs the rankpool program (under mpirun
#                           or alone) through tests/support/cli_runner.hpp: once per rank
#                           count, <name>.<n>ranks, the count in RANKPOOL_TEST_RANKS.
# Both per-rank helpers go through rankpool_add_rank_entries, so every entry that runs MPI
# gets the same environment, timeout, processors and labels in one place.
find_package(GTest REQUIRED)
find_program(RANKPOOL_TIMEOUT timeout REQUIRED)

set(RANKPOOL_MPI_TEST_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
  OMPI_MCA_rmaps_base_oversubscribe=1)

# rankpool_add_rank_entries(<name> RANKS <n>... TIMEOUT <s> LABELS <labels...>
#                           COMMAND <args...> [RUN_SERIAL])
# Registers <name>.<n>ranks for each n, running COMMAND with every "@ranks@" in it
# replaced by n, and with RANKPOOL_TEST_RANKS=n and RANKPOOL_TEST_RANK_COUNTS=<every n,
# comma-separated> in its environment (read by test_ranks() in tests/support/cli_runner.hpp).
# n = 0 means one process without mpirun (an MPI singleton). Each entry takes 2 processors (a
# rank's OpenMP team spreads over the cores it is given, and this is a 2-core CI machine);
# RUN_SERIAL for tests whose timing or signals must not share the machine.
function(rankpool_add_rank_entries name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT" "RANKS;LABELS;COMMAND" ${ARGN})
  if(NOT ARG_RANKS OR NOT ARG_TIMEOUT OR NOT ARG_COMMAND)
    message(FATAL_ERROR "rankpool_add_rank_entries(${name}): RANKS, TIMEOUT and COMMAND are required")
  endif()
  string(REPLACE ";" "," all_counts "${ARG_RANKS}")
  foreach(ranks IN LISTS ARG_RANKS)
    string(REPLACE "@ranks@" "${ranks}" command "${ARG_COMMAND}")
    add_test(NAME ${name}.${ranks}ranks COMMAND ${command})
    set_tests_properties(${name}.${ranks}ranks PROPERTIES
      ENVIRONMENT "${RANKPOOL_MPI_TEST_ENV};RANKPOOL_TEST_RANKS=${ranks};RANKPOOL_TEST_RANK_COUNTS=${all_counts}"
      TIMEOUT ${ARG_TIMEOUT}
      PROCESSORS 2
      LABELS "${ARG_LABELS}")
    if(ARG_RUN_SERIAL)
      set_tests_properties(${name}.${ranks}ranks PROPERTIES RUN_SERIAL TRUE)
    endif()
  endforeach()
endfunction()

# rankpool_add_mpi_test(<name> SOURCES <files...> [RANKS <n>...] [TIMEOUT <s>] [LIBS <targets...>])
# Builds one GoogleTest executable and registers it once per rank count as
# <name>.<n>ranks (default 1 2 3 4). `timeout` sends mpirun SIGTERM after TIMEOUT s
# (default 60), so a hung rank fails the test and mpirun takes every rank down with it
# instead of leaving orphans; ctest's own limit is 30 s later, a backstop.
function(rankpool_add_mpi_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;RANKS;LIBS" ${ARGN})
  if(NOT ARG_RANKS)
    set(ARG_RANKS 1 2 3 4)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/support/mpi_gtest_main.cpp)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE GTest::gtest rankpool_build_flags ${ARG_LIBS})
  math(EXPR backstop "${ARG_TIMEOUT} + 30")
  rankpool_add_rank_entries(${name} RANKS ${ARG_RANKS} TIMEOUT ${backstop} LABELS mpi
    COMMAND ${RANKPOOL_TIMEOUT} --signal=TERM --kill-after=10 ${ARG_TIMEOUT}
            ${MPIEXEC_EXECUTABLE} -n @ranks@ --oversubscribe --bind-to none $<TARGET_FILE:${name}>)
endfunction()

# rankpool_add_cli_test(<name> SOURCES <files...> [RANKS <n>...] [TIMEOUT <s>]
#                       [LIBS <targets...>] [PROGRAM <target>] [RUN_SERIAL])
# Builds one GoogleTest executable that runs the rankpool program through
# tests/support/cli_runner.hpp (RANKPOOL_CLI and RANKPOOL_MPIEXEC defined, apps/ on the
# include path, built after the program). PROGRAM names another program whose main is
# rankpool::cli_main (a user's binary with its own apps, such as examples/powers; default
# rankpool_cli, the rankpool program). With RANKS it is registered once per rank count
# as <name>.<n>ranks: each entry runs every test of the binary, each test runs rankpool at
# test_ranks() ranks (RANKPOOL_TEST_AT_RANKS restricts a test to some of the counts).
# Without RANKS it is one entry <name> for tests that start rankpool without mpirun only.
# TIMEOUT (default 300 s) is each entry's; every rankpool process is also under its own
# `timeout` in the harness.
function(rankpool_add_cli_test name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT;PROGRAM" "SOURCES;RANKS;LIBS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_PROGRAM)
    set(ARG_PROGRAM rankpool_cli)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/apps)
  target_link_libraries(${name} PRIVATE GTest::gtest_main rankpool_build_flags ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE RANKPOOL_CLI="$<TARGET_FILE:${ARG_PROGRAM}>"
                                             RANKPOOL_MPIEXEC="${MPIEXEC_EXECUTABLE}")
  add_dependencies(${name} ${ARG_PROGRAM})
  if(ARG_RANKS)
    set(serial)
    if(ARG_RUN_SERIAL)
      set(serial RUN_SERIAL)
    endif()
    rankpool_add_rank_entries(${name} RANKS ${ARG_RANKS} TIMEOUT ${ARG_TIMEOUT} LABELS cli ${serial}
      COMMAND $<TARGET_FILE:${name}>)
  else()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${RANKPOOL_MPI_TEST_ENV}" TIMEOUT ${ARG_TIMEOUT}
                                            PROCESSORS 1 LABELS cli)
    if(ARG_RUN_SERIAL)
      set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
    endif()
  endif()
endfunction()

# rankpool_add_unit_test(<name> SOURCES <files...> [LIBS ...]): a plain GoogleTest binary.
function(rankpool_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE GTest::gtest_main rankpool_build_flags ${ARG_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${RANKPOOL_MPI_TEST_ENV}" TIMEOUT 120 LABELS "unit")
endfunction()
