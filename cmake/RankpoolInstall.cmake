include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS rankpool EXPORT rankpoolTargets
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
