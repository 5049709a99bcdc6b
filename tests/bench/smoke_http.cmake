# The smoke run of bench_http: both servers answer both routes. Nothing about timing.
#   cmake -DBENCH=path/to/bench_http -P smoke_http.cmake
execute_process(COMMAND ${BENCH} --smoke RESULT_VARIABLE status OUTPUT_VARIABLE output
                ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "bench_http --smoke exited with ${status}:\n${output}\n${errors}")
endif()
message(STATUS "bench_http: ${output}")
