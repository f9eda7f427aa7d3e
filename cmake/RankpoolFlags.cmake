# Warnings, CPU tuning and sanitizers as INTERFACE targets: linked privately by
# our own targets, never leaked to consumers of the installed package.
add_library(rankpool_warnings INTERFACE)
target_compile_options(rankpool_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Wno-missing-field-initializers $<$<BOOL:${RANKPOOL_WERROR}>:-Werror>)

add_library(rankpool_tuning INTERFACE)
if(RANKPOOL_NATIVE)
  target_compile_options(rankpool_tuning INTERFACE -march=native)
endif()

add_library(rankpool_sanitizers INTERFACE)
if(RANKPOOL_SANITIZE STREQUAL "address")
  target_compile_options(rankpool_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(rankpool_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(RANKPOOL_SANITIZE STREQUAL "thread")
  target_compile_options(rankpool_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(rankpool_sanitizers INTERFACE -fsanitize=thread)
elseif(NOT RANKPOOL_SANITIZE STREQUAL "")
  message(FATAL_ERROR "RANKPOOL_SANITIZE must be '', 'address' or 'thread', not '${RANKPOOL_SANITIZE}'")
endif()

add_library(rankpool_build_flags INTERFACE)
target_link_libraries(rankpool_build_flags INTERFACE rankpool_warnings rankpool_tuning rankpool_sanitizers)

# RANKPOOL_FUZZ: libFuzzer targets (tests/fuzz), clang only. Every target of ours
# gets coverage instrumentation plus ASan+UBSan, so the fuzzer sees inside job.cpp
# (and detail/toml.cpp, the TOML reader it parses with); only the fuzz targets link libFuzzer.
option(RANKPOOL_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)
if(RANKPOOL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RANKPOOL_FUZZ needs clang (CC=clang CXX=clang++), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(RANKPOOL_SANITIZE STREQUAL "thread")
    message(FATAL_ERROR "RANKPOOL_FUZZ builds with ASan+UBSan; it cannot be combined with RANKPOOL_SANITIZE=thread")
  endif()
  target_compile_options(rankpool_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(rankpool_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# TSan with clang: LLVM's libomp runs the Archer tool (OpenMP synchronisation for TSan),
# which needs OpenMP initialised on the main thread first; see the file for why.
if(RANKPOOL_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_sources(rankpool_sanitizers INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/tools/sanitizers/omp_init_main_thread.cpp>)
endif()
