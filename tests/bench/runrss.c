/*
 * runrss.c: runs a command as a child process and, after its output,
 * prints "RUSAGE maxrss_kb=N wall_s=S": the child's peak resident set
 * (wait4's ru_maxrss, which is per process, so each implementation is
 * measured alone) and the wall-clock seconds from fork to exit (a
 * monotonic clock, no shell in between). Exits with the child's status.
 * Used by tests/bench/bench.sh; GNU time is not on every machine.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: runrss COMMAND [ARG...]\n");
        return 2;
    }
    fflush(stdout);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("runrss: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "runrss: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("runrss: wait4");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("RUSAGE maxrss_kb=%ld wall_s=%.4f\n", ru.ru_maxrss, wall);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "runrss: %s killed by signal %d\n", argv[1], WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}
