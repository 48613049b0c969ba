# Run by cpack (CPACK_PRE_BUILD_SCRIPTS) on its staging directory: the static libraries keep their
# symbols and lose their debug information (a RelWithDebInfo build's are ten times larger).
file(GLOB_RECURSE _libs "${CPACK_TEMPORARY_DIRECTORY}/*.a")
foreach(_lib ${_libs})
  execute_process(COMMAND strip --strip-debug ${_lib} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${_lib} failed")
  endif()
endforeach()
