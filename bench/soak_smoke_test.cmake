# ctest bench_soak_smoke: orion-bench soak --quick exits 0, prints its samples and every figure.
# No thresholds (growth may be negative).
execute_process(COMMAND ${BENCH} soak --quick
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 110)
message("${err}")
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "orion-bench exited with ${rc}")
endif()
if(NOT out MATCHES "(^|\n)soak_sample tasks=[0-9]+ decided=[0-9]+ ")
  message(FATAL_ERROR "orion-bench printed no soak_sample line")
endif()
foreach(name soak_throughput_tasks_per_s soak_scheduler_rss_mib soak_scheduler_rss_growth_mib
        soak_scheduler_store_mib soak_scheduler_store_growth_mib soak_consensus_rss_mib
        soak_consensus_rss_growth_mib soak_consensus_store_mib soak_consensus_store_growth_mib)
  if(NOT out MATCHES "(^|\n)${name} -?[0-9.]+ [^\n]+")
    message(FATAL_ERROR "orion-bench did not print ${name}")
  endif()
endforeach()
