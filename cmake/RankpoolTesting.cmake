# rankpool_add_mpi_test(<name> SOURCES <files...> [RANKS <n>...] [TIMEOUT <s>] [LIBS <targets...>])
# Builds one GoogleTest executable and registers it once per rank count as
# <name>.<n>ranks. `timeout` sends mpirun SIGTERM first, so a hung rank fails the
# test and mpirun takes every rank down with it instead of leaving orphans.
find_package(GTest REQUIRED)
find_program(RANKPOOL_TIMEOUT timeout REQUIRED)

set(RANKPOOL_MPI_TEST_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
  OMPI_MCA_rmaps_base_oversubscribe=1)

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
  foreach(ranks IN LISTS ARG_RANKS)
    add_test(NAME ${name}.${ranks}ranks
      COMMAND ${RANKPOOL_TIMEOUT} --signal=TERM --kill-after=10 ${ARG_TIMEOUT}
              ${MPIEXEC_EXECUTABLE} -n ${ranks} --oversubscribe --bind-to none
              $<TARGET_FILE:${name}>)
    set_tests_properties(${name}.${ranks}ranks PROPERTIES
      ENVIRONMENT "${RANKPOOL_MPI_TEST_ENV}"
      TIMEOUT ${ARG_TIMEOUT}0
      PROCESSORS 2
      LABELS "mpi")
  endforeach()
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
