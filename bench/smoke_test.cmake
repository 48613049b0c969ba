# ctest bench_scheduler_smoke: orion-bench scheduler --quick exits 0 and prints the figures.
execute_process(COMMAND ${BENCH} scheduler --quick --only select_us,submit_p50_ms,raft3_submit_p50_ms,raft3_failover_100k_ms
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 280)
message("${err}")
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "orion-bench exited with ${rc}")
endif()
foreach(name select_us submit_p50_ms raft3_submit_p50_ms raft3_failover_100k_ms)
  if(NOT out MATCHES "(^|\n)${name} [0-9.]+ [^\n]+")
    message(FATAL_ERROR "orion-bench did not print ${name}")
  endif()
endforeach()
