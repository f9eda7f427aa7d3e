include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(rankpool_installed_targets rankpool)
set(RANKPOOL_EXPORTS_CLI FALSE)
if(TARGET rankpool_cli_lib)
  # rankpool::cli: the command line as a library, for programs with their own apps.
  set_target_properties(rankpool_cli_lib PROPERTIES EXPORT_NAME cli)
  list(APPEND rankpool_installed_targets rankpool_cli_lib)
  set(RANKPOOL_EXPORTS_CLI TRUE)
endif()
install(TARGETS ${rankpool_installed_targets} EXPORT rankpoolTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY src/rankpool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT rankpoolTargets NAMESPACE rankpool:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
configure_package_config_file(cmake/rankpoolConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/rankpoolConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/rankpool)
