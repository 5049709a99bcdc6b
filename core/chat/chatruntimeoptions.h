#pragma once

#include <chrono>

// The chat runtime's intervals and caps: upstream chatworker's defaults (§4.4), each settable
// (companiond server's --heartbeat-interval, --stale-after, --sync-interval and
// --acquire-interval), all measured on the runtime's injectable Clock.
struct ChatRuntimeOptions
{
    std::chrono::milliseconds acquisitionInterval {30000};
    int acquisitionBatchSize = 10;
    std::chrono::milliseconds syncInterval {15000};
    std::chrono::milliseconds heartbeatInterval {9000};
    std::chrono::milliseconds heartbeatCleanupInterval {30000};
    std::chrono::milliseconds staleAfter {30000};
    int stateQueueSize = 64; // hints buffered per runner before the newest are dropped
    std::chrono::milliseconds taskRetryInitialBackoff {100};
    std::chrono::milliseconds taskRetryMaxBackoff {5000};
    std::chrono::milliseconds taskTimeout {15 * 60 * 1000};
    std::chrono::milliseconds archiveInterval {60 * 60 * 1000};
    int archiveBatchSize = 1000;
    int autoArchiveDays = 90; // 0: off
    std::chrono::milliseconds shutdownCleanupTimeout {5000};
};
