# The smoke run of bench_pubsub: the memory rows and one claim, tiny. Nothing about timing.
#   cmake -DBENCH=path/to/bench_pubsub -P smoke_pubsub.cmake
execute_process(COMMAND ${BENCH} --smoke RESULT_VARIABLE status OUTPUT_VARIABLE output
                ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "bench_pubsub --smoke exited with ${status}:\n${output}\n${errors}")
endif()
foreach(row memory_latency memory_throughput claim_embedded)
    if(NOT output MATCHES "\"row\":\"${row}\"")
        message(FATAL_ERROR "bench_pubsub --smoke printed no ${row} row:\n${output}")
    endif()
endforeach()
message(STATUS "bench_pubsub: ${output}")
