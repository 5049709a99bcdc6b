// processtestapp: a child process whose behaviour the first argument selects, for the process
// tests. Plain C++ and POSIX, so it starts fast and behaves exactly as told.
//   exit N                 exit with status N
//   print TEXT...          print each TEXT on its own line to stdout, exit 0
//   interleave N           N lines alternating stdout "out i" / stderr "err i", flushed each
//   stderr TEXT            print TEXT to stderr, exit 3
//   flood BYTES [LINE]     write BYTES bytes of LINE-byte lines (default 80) to stdout, fast
//   hang                   print "ready", sleep until killed
//   ignore-term            ignore SIGTERM, print "ready", sleep until killed
//   spawn-ignore-term FILE start a grandchild that ignores SIGTERM and sleeps, write its pid
//                          to FILE, print "ready", then sleep until killed
//   crash                  abort()
//   env NAME               print the value of NAME ("<unset>" when unset)
//   pwd                    print the working directory
//   colors                 print ANSI-coloured lines
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

void sleepForever()
{
    for (;;) {
        pause();
    }
}

void writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::exit(1);
        }
        data += n;
        size -= size_t(n);
    }
}

int usage()
{
    std::fprintf(stderr, "usage: processtestapp MODE [ARGS]\n");
    return 64;
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc < 2) {
        return usage();
    }
    const std::string mode = argv[1];
    if (mode == "exit" && argc > 2) {
        return std::atoi(argv[2]);
    }
    if (mode == "print") {
        for (int i = 2; i < argc; ++i) {
            std::printf("%s\n", argv[i]);
        }
        return 0;
    }
    if (mode == "interleave" && argc > 2) {
        const int n = std::atoi(argv[2]);
        for (int i = 0; i < n; ++i) {
            char line[64];
            const int len = std::snprintf(line, sizeof line, "%s %d\n", i % 2 ? "err" : "out", i);
            writeAll(i % 2 ? 2 : 1, line, size_t(len));
            usleep(2000); // distinct arrival order, not a race between two pipes
        }
        return 0;
    }
    if (mode == "stderr" && argc > 2) {
        std::fprintf(stderr, "%s\n", argv[2]);
        return 3;
    }
    if (mode == "flood" && argc > 2) {
        const long long total = std::atoll(argv[2]);
        const size_t lineLength = argc > 3 ? size_t(std::atoi(argv[3])) : 80;
        std::vector<char> block(64 * 1024);
        for (size_t i = 0; i < block.size(); ++i) {
            block[i] = (i % lineLength == lineLength - 1) ? '\n' : char('a' + i % 26);
        }
        long long written = 0;
        while (written < total) {
            const size_t n = size_t(std::min<long long>(total - written, (long long)block.size()));
            writeAll(1, block.data(), n);
            written += (long long)n;
        }
        return 0;
    }
    if (mode == "hang") {
        std::printf("ready\n");
        std::fflush(stdout);
        sleepForever();
    }
    if (mode == "ignore-term") {
        std::signal(SIGTERM, SIG_IGN);
        std::printf("ready\n");
        std::fflush(stdout);
        sleepForever();
    }
    if (mode == "spawn-ignore-term" && argc > 2) {
        const pid_t child = fork();
        if (child == 0) {
            std::signal(SIGTERM, SIG_IGN);
            // Keep no pipe open: the grandchild must die by the group signal, not by SIGPIPE.
            const int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, 1);
            dup2(devnull, 2);
            sleepForever();
        }
        FILE *f = std::fopen(argv[2], "w");
        if (!f) {
            return 2;
        }
        std::fprintf(f, "%d\n", int(child));
        std::fclose(f);
        std::printf("ready\n");
        std::fflush(stdout);
        sleepForever();
    }
    if (mode == "crash") {
        std::abort();
    }
    if (mode == "env" && argc > 2) {
        const char *value = std::getenv(argv[2]);
        std::printf("%s\n", value ? value : "<unset>");
        return 0;
    }
    if (mode == "pwd") {
        char buffer[4096];
        std::printf("%s\n", getcwd(buffer, sizeof buffer) ? buffer : "?");
        return 0;
    }
    if (mode == "colors") {
        std::printf("\x1b[31mred\x1b[0m plain \x1b[1;32mbold green\x1b[0m\n");
        std::printf("\x1b[38;5;208morange256\x1b[0m \x1b[38;2;10;200;250mtruecolour\x1b[0m\n");
        std::printf("\x1b]0;title\x07\x1b[2Kcleared \x1b[4munderlined\x1b[24m\n");
        return 0;
    }
    return usage();
}
