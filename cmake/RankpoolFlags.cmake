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
