# ctest bench_consensus_smoke: orion-bench consensus --quick exits 0 and prints its figures, on
# one replica and on three. No thresholds.
set(names propose_p50_ms vote_us decision_event_p50_ms decisions_per_s raft3_decisions_per_s)
string(REPLACE ";" "," only "${names}")
execute_process(COMMAND ${BENCH} consensus --quick --only ${only}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 280)
message("${err}")
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "orion-bench exited with ${rc}")
endif()
foreach(name ${names})
  if(NOT out MATCHES "(^|\n)${name} [0-9.]+ [^\n]+")
    message(FATAL_ERROR "orion-bench did not print ${name}")
  endif()
endforeach()
