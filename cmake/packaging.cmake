# `cpack -G DEB` (from the build directory): one Debian package per install component
# (cmake/install.cmake), installed under /usr:
#
#   orion              the services, orionctl and the example agent; its Depends come from
#                      dpkg-shlibdeps (libzmq5, libsodium23, libsqlite3-0, libraft0, ...)
#   orion-dev          headers, static libraries, find_package(Orion) and orion.pc; Depends on
#                      the -dev packages an agent's build needs
#   python3-orion-sdk  the Python SDK (Architecture: all)
set(CPACK_PACKAGE_NAME orion)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Orion")
set(CPACK_PACKAGE_CONTACT "Orion maintainers <orion@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed task orchestrator for fleets of agents")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # executables; the static libraries lose their debug info below
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/strip_static_libs.cmake)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL services dev python)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)

set(CPACK_DEBIAN_SERVICES_PACKAGE_NAME orion)
set(CPACK_DEBIAN_SERVICES_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_SERVICES_DESCRIPTION
  "Orion's services and CLI\n orion-registry, orion-scheduler, orion-consensus, orion-dashboard, orionctl and the example agent.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME orion-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libzmq3-dev, cppzmq-dev, libsodium-dev, libspdlog-dev, libfmt-dev, libcxxopts-dev, libmsgpack-cxx-dev, nlohmann-json3-dev, pkg-config | pkgconf")
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "Orion's C++ SDK for agents and clients\n Headers (<orion/agent.h>, <orion/client.h>), static libraries, find_package(Orion) with the target Orion::sdk, and orion.pc.")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-orion-sdk)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)
# libsodium: votes are signed through ctypes.
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3 (>= 3.9), python3-zmq, python3-msgpack, libsodium23")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION "Orion's Python SDK for agents and clients\n The orion_sdk module: Agent and Client.")

include(CPack)
