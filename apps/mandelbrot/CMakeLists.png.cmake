# mandelbrot_png: PNG writing and colouring for the Mandelbrot app. Meant to be
# include()d from apps/mandelbrot/CMakeLists.txt, so paths hang off this file's folder.
find_package(ZLIB REQUIRED)
add_library(mandelbrot_png STATIC ${CMAKE_CURRENT_LIST_DIR}/png.cpp)
target_include_directories(mandelbrot_png PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(mandelbrot_png PRIVATE ZLIB::ZLIB rankpool_build_flags)
# PUBLIC so whatever links this (the app, which also includes kernel.hpp) gets it:
# kernel.hpp's scalar and vector loops are only bitwise equal without FMA contraction.
target_compile_options(mandelbrot_png PUBLIC -ffp-contract=off)
