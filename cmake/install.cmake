# What `cmake --install` puts where, in three components (the Debian packages of
# cmake/packaging.cmake are made of them):
#
#   services  bin/: the services, orionctl (and orion-audit-verify, which it runs) and the example
#             agent
#   dev       include/orion/*.h, the public headers (<orion/agent.h>, <orion/client.h>, ...), and
#             include/orion/internal/, the tree's own headers they reach ("sdk/cpp/agent.h",
#             "common/codec.h", the generated protocol headers); lib/: the SDK's static libraries,
#             lib/cmake/Orion (find_package(Orion): the target Orion::sdk) and lib/pkgconfig/orion.pc
#   python    lib/python3/dist-packages/orion_sdk, the Python SDK
#
# Orion::sdk is the same name inside a build that takes Orion with add_subdirectory (the ALIAS
# below), so an agent's CMakeLists reads the same either way; there the install rules are off
# unless ORION_INSTALL is set.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ORION_INTERNAL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/orion/internal)
set(ORION_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Orion)

add_library(Orion::sdk ALIAS orion_sdk)
# include/ (<orion/agent.h>) is for a project that takes Orion with add_subdirectory; Orion's own
# code includes "sdk/cpp/agent.h" (so its compile lines stay as they were).
target_include_directories(orion_sdk INTERFACE
  "$<BUILD_INTERFACE:$<$<NOT:${ORION_OWN_TARGET}>:${PROJECT_SOURCE_DIR}/include>>")
target_include_directories(orion_settings INTERFACE
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}> $<INSTALL_INTERFACE:${ORION_INTERNAL_INCLUDEDIR}>)

if(NOT ORION_INSTALL)
  return()
endif()

# --- services -------------------------------------------------------------------------------
install(TARGETS orion-registry orion-scheduler orion-consensus orion-dashboard orionctl orion-audit-verify
                orion-example-agent
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT services)

# --- dev: the SDK's static libraries and every target of its link closure -------------------
# orion_sdk links orion_crypto and orion_process privately: a static library's private
# dependencies are still linked by whoever links it, so they are exported too.
set(ORION_SDK_CLOSURE orion_sdk orion_crypto orion_process orion_transport orion_protocol orion_base orion_msgpack
    orion_settings)
foreach(t ${ORION_SDK_CLOSURE})
  string(REGEX REPLACE "^orion_" "" _name ${t})
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${_name})
endforeach()
install(TARGETS ${ORION_SDK_CLOSURE} EXPORT OrionTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT OrionTargets NAMESPACE Orion:: DESTINATION ${ORION_CMAKEDIR} COMPONENT dev)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/OrionConfig.cmake.in
  ${PROJECT_BINARY_DIR}/OrionConfig.cmake INSTALL_DESTINATION ${ORION_CMAKEDIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/OrionConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/OrionConfig.cmake ${PROJECT_BINARY_DIR}/OrionConfigVersion.cmake
        DESTINATION ${ORION_CMAKEDIR} COMPONENT dev)

# orion.pc: the same libraries in link order, then what they link (the .pc finds its prefix from
# where it lies, so a package unpacked anywhere works).
file(RELATIVE_PATH ORION_PC_PREFIX /pc/${CMAKE_INSTALL_LIBDIR}/pkgconfig /pc)
string(REGEX REPLACE "/$" "" ORION_PC_PREFIX "\${pcfiledir}/${ORION_PC_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/orion.pc.in ${PROJECT_BINARY_DIR}/orion.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/orion.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# Headers: the public ones, and the tree's own that they include (tests/install compiles every
# public header against an installed prefix, so one missing here fails there).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/orion DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.h")
set(ORION_SDK_HEADERS agent.h client.h consensus_client.h decisions.h default_signals.h event_follow.h)
list(TRANSFORM ORION_SDK_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/sdk/cpp/)
install(FILES ${ORION_SDK_HEADERS} DESTINATION ${ORION_INTERNAL_INCLUDEDIR}/sdk/cpp COMPONENT dev)
set(ORION_COMMON_HEADERS
  agent_messages.h clock.h codec.h command_log.h consensus_messages.h curve_keys.h envelope.h event_dedup.h
  event_history_messages.h event_messages.h field_rows.h limit_messages.h fields.h leader_follower.h messages.h msgpack_object.h
  registry_messages.h task_parts_messages.h
  replica_change.h schedule_messages.h namespace_messages.h stats_messages.h status.h task_gate.h task_messages.h task_model.h
  transport_security.h vote_subject.h workflow_messages.h workflow_spec.h zap_handler.h)
list(TRANSFORM ORION_COMMON_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/common/)
install(FILES ${ORION_COMMON_HEADERS} DESTINATION ${ORION_INTERNAL_INCLUDEDIR}/common COMPONENT dev)
# The generated protocol headers (common/CMakeLists.txt: ORION_GENERATED_DIR).
install(DIRECTORY ${PROJECT_BINARY_DIR}/generated/common DESTINATION ${ORION_INTERNAL_INCLUDEDIR}
        COMPONENT dev FILES_MATCHING PATTERN "*.h")

# --- python ---------------------------------------------------------------------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/python/orion_sdk DESTINATION lib/python3/dist-packages
        COMPONENT python PATTERN __pycache__ EXCLUDE)
