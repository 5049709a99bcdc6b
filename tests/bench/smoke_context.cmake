# The smoke run of bench_context: a tiny tree, then resolve, hash and latency (both scopes) on
# it. It checks that each run completes and prints one valid JSON object with the fields
# scripts/bench reads; it asserts nothing about timing.
#   cmake -DBENCH=path/to/bench_context -DWORK=scratch/folder -P smoke_context.cmake
function(run_bench name)
    cmake_parse_arguments(ARG "" "" "ARGS;FIELDS" ${ARGN})
    execute_process(COMMAND ${BENCH} ${ARG_ARGS} --json
                    RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "${name} exited with ${status}:\n${errors}")
    endif()
    foreach(field ${ARG_FIELDS})
        string(JSON value ERROR_VARIABLE json_error GET "${output}" ${field})
        if(json_error)
            message(FATAL_ERROR "${name}: no valid ${field} in '${output}': ${json_error}")
        endif()
    endforeach()
    message(STATUS "${name}: ${output}")
    set(output "${output}" PARENT_SCOPE)
endfunction()

set(tree ${WORK}/tree)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
run_bench(generate ARGS generate ${tree} --repos 2 --files 200 --instructions 6
          FIELDS regular_files directories expected_resources)
run_bench(resolve ARGS resolve ${tree} --repeat 1
          FIELDS median_ms best_ms median_ms_no_walk_list resources expected_resources
                 walked_directories)
string(JSON resources GET "${output}" resources)
string(JSON expected GET "${output}" expected_resources)
if(NOT resources EQUAL expected)
    message(FATAL_ERROR "resolve found ${resources} resources, the tree holds ${expected}")
endif()
run_bench(resolve-repos ARGS resolve ${tree} --repeat 1 --roots repos FIELDS median_ms resources)
run_bench(hash ARGS hash --mib 4 FIELDS blocks_mb_per_s buffers_mb_per_s)
foreach(scope repo tree)
    run_bench(latency-${scope} ARGS latency ${tree} --scope ${scope} --edits 5 --debounce 30
              FIELDS p50_ms p95_ms max_ms timeouts extra_snapshots watched_directories)
    string(JSON timeouts GET "${output}" timeouts)
    if(NOT timeouts EQUAL 0)
        message(FATAL_ERROR "latency-${scope}: ${timeouts} edits never reached a snapshot")
    endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
