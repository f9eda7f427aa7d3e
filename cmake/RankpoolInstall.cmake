# find_package(rankpool [COMPONENTS core|batch|cli]) for installed copies: one export
# set per layer, so a program that links rankpool::core alone never needs HDF5.
include(CMakePackageConfigHelpers)

install(TARGETS rankpool_core EXPORT rankpoolCoreTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS rankpool_batch EXPORT rankpoolBatchTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS rankpool_cli_lib rankpool EXPORT rankpoolCliTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(layer core batch cli)
  install(DIRECTORY src/${layer}/rankpool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
endforeach()
foreach(set Core Batch Cli)
  install(EXPORT rankpool${set}Targets NAMESPACE rankpool:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
endforeach()
configure_package_config_file(cmake/rankpoolConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
