/*
 * runrss.c: runs a command as a child process and, after its output,
 * prints the child's peak resident set as "RUSAGE maxrss_kb=N" (wait4's
 * ru_maxrss, which is per process, so each implementation is measured
 * alone). Exits with the child's status. Used by tests/bench/run.sh;
 * GNU time is not on every machine.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: runrss COMMAND [ARG...]\n");
        return 2;
    }
    fflush(stdout);
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
    printf("RUSAGE maxrss_kb=%ld\n", ru.ru_maxrss);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "runrss: %s killed by signal %d\n", argv[1], WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}
