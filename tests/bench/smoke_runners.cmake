# The smoke run of bench_runners: 5 runners, 2,000 hints, 100 paced ones. It checks that the run
# completes (every runner alive and current, no cleanup) and prints every row scripts/bench
# reads; nothing about timing.
#   cmake -DBENCH=path/to/bench_runners -P smoke_runners.cmake
execute_process(COMMAND ${BENCH} --smoke RESULT_VARIABLE status OUTPUT_VARIABLE output
                ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "bench_runners --smoke exited with ${status}:\n${output}\n${errors}")
endif()
foreach(row setup throughput calls latency check)
    if(NOT output MATCHES "\"row\":\"${row}\"")
        message(FATAL_ERROR "bench_runners --smoke printed no ${row} row:\n${output}")
    endif()
endforeach()
foreach(pattern "\"impl\":\"baseline\"" "\"mode\":\"batched\"" "\"path\":\"pubsub\"")
    if(NOT output MATCHES "${pattern}")
        message(FATAL_ERROR "bench_runners --smoke printed no ${pattern} row:\n${output}")
    endif()
endforeach()
message(STATUS "bench_runners: ${output}")
