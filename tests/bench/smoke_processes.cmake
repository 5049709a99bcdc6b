# The smoke run of bench_processes: every mode and source on tiny inputs. It checks that each
# run completes and prints one valid JSON object with the fields scripts/bench reads; it asserts
# nothing about timing.
#   cmake -DBENCH=path/to/bench_processes -DBYTES=2000000 -P smoke_processes.cmake
foreach(source yes file)
    foreach(mode raw headless agent view)
        execute_process(
            COMMAND ${BENCH} --json --bytes ${BYTES} --source ${source} --mode ${mode} --timeout 120
            RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
        if(NOT status EQUAL 0)
            message(FATAL_ERROR "${source}/${mode} exited with ${status}:\n${errors}")
        endif()
        foreach(field mode source bytes mb_per_s lines_per_s peak_rss_kib lag_p99_ms lag_max_ms)
            string(JSON value ERROR_VARIABLE json_error GET "${output}" ${field})
            if(json_error)
                message(FATAL_ERROR "${source}/${mode}: no valid ${field} in '${output}': ${json_error}")
            endif()
        endforeach()
        string(JSON bytes GET "${output}" bytes)
        message(STATUS "${source}/${mode}: ${bytes} bytes")
    endforeach()
endforeach()
