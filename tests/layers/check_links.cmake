# Fails when a library a target reaches, or one a built binary loads, matches FORBIDDEN.
#
#   cmake -DFORBIDDEN=<regex> [-DLINKS=<file>] [-DBINARY=<path>] -P check_links.cmake
#
# LINKS: a file of the items orion_link_closure() found for a target, one a line (its link
# line, as CMake will write it). BINARY: an executable; `ldd` lists the shared libraries it
# loads (a library named on the link line but dropped by --as-needed is not among them, which is
# why LINKS is checked too). The match ignores case.
if(NOT DEFINED FORBIDDEN OR (NOT DEFINED LINKS AND NOT DEFINED BINARY))
  message(FATAL_ERROR "usage: cmake -DFORBIDDEN=<regex> [-DLINKS=<file>] [-DBINARY=<path>] -P check_links.cmake")
endif()
string(TOLOWER "${FORBIDDEN}" forbidden)

set(bad "")
if(DEFINED LINKS)
  file(STRINGS "${LINKS}" items)
  list(LENGTH items n)
  if(n EQUAL 0)
    message(FATAL_ERROR "${LINKS} lists nothing: the target's closure was not written")
  endif()
  foreach(item ${items})
    string(TOLOWER "${item}" lower)
    if(lower MATCHES "${forbidden}")
      list(APPEND bad "${item}")
    endif()
  endforeach()
  message(STATUS "${LINKS}: ${n} items")
endif()

if(DEFINED BINARY)
  execute_process(COMMAND ldd "${BINARY}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ldd ${BINARY} failed (${rc}): ${err}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  set(n 0)
  foreach(line ${lines})
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    endif()
    math(EXPR n "${n} + 1")
    string(REGEX REPLACE " .*" "" lib "${line}")
    string(TOLOWER "${lib}" lower)
    if(lower MATCHES "${forbidden}")
      list(APPEND bad "${line}")
    endif()
  endforeach()
  if(n EQUAL 0)
    message(FATAL_ERROR "ldd ${BINARY} listed nothing")
  endif()
  message(STATUS "${BINARY}: loads ${n} shared objects")
endif()

if(bad)
  list(JOIN bad "\n  " lines)
  message(FATAL_ERROR "forbidden by '${FORBIDDEN}':\n  ${lines}")
endif()
