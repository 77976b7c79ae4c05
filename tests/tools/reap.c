/* reap.c - run a test and fail it when it leaves server processes behind.
 *
 *   reap COMMAND [ARG...]
 *
 * Becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), runs COMMAND and
 * waits for it. Every process COMMAND started and left running ends up as
 * reap's child once its parent is gone (a daemon such as the throwaway sshd,
 * its session processes after the listener was stopped, a forgotten
 * background job). After COMMAND exits, reap gives them REAP_GRACE_MS
 * (default 3000) to end, then names each one still there on stdout as
 * "not ok - left a process behind: PID CMDLINE" when it is an sshd or sftp
 * process (scripts/run-tests counts that line as a failed test), or as a
 * "# killed leftover process" note otherwise, and kills them all (SIGKILL
 * works on stopped ones too). Exit: COMMAND's status, or 1 when an sshd/sftp
 * process was left behind. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Children of ours (ppid == us) now: up to max pids into v; their count. */
static int our_children(pid_t *v, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    pid_t self = getpid();
    while ((de = readdir(d)) && n < max) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        /* pid (comm) state ppid ...: comm may hold spaces and parentheses */
        char *rp = strrchr(buf, ')');
        int ppid;
        char state;
        if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
            continue;
        if (ppid == self && state != 'Z')
            v[n++] = (pid_t)atoi(de->d_name);
    }
    closedir(d);
    return n;
}

static void cmdline(pid_t pid, char *out, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(out, 1, n - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i < got; i++)
        if (out[i] == '\0' || out[i] == '\n')
            out[i] = ' ';
    while (got && out[got - 1] == ' ')
        got--;
    out[got] = '\0';
}

static void reap_zombies(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: reap COMMAND [ARG...]\n");
        return 64;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
        perror("reap: prctl(PR_SET_CHILD_SUBREAPER)");
        execvp(argv[1], argv + 1); /* still run the test, unwatched */
        return 127;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("reap: fork");
        return 70;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        perror("reap: exec");
        _exit(127);
    }
    int status = 0;
    for (;;) { /* orphans may exit and need reaping while the test runs */
        int st;
        pid_t p = waitpid(-1, &st, 0);
        if (p == child) {
            status = st;
            break;
        }
        if (p < 0 && errno != EINTR)
            break;
    }
    fflush(stdout);
    const char *g = getenv("REAP_GRACE_MS");
    long grace = g && *g ? strtol(g, NULL, 10) : 3000;
    pid_t left[256];
    int n = 0;
    for (long waited = 0;; waited += 50) {
        reap_zombies();
        n = our_children(left, 256);
        if (!n || waited >= grace)
            break;
        struct timespec t = { 0, 50 * 1000 * 1000 };
        nanosleep(&t, NULL);
    }
    /* Killing a leftover hands its own children to us: go round until
     * none is left (bounded). */
    int bad = 0;
    for (int round = 0; n > 0 && round < 20; round++) {
        for (int i = 0; i < n; i++) {
            char cmd[300];
            cmdline(left[i], cmd, sizeof cmd);
            int server = strstr(cmd, "sshd") || strstr(cmd, "sftp");
            if (server) {
                printf("not ok - left a process behind: %d %s\n", (int)left[i], cmd);
                bad = 1;
            } else {
                printf("# killed leftover process %d %s\n", (int)left[i], cmd);
            }
            kill(left[i], SIGKILL);
        }
        fflush(stdout);
        for (int i = 0; i < n; i++)
            waitpid(left[i], NULL, 0);
        struct timespec t = { 0, 20 * 1000 * 1000 };
        nanosleep(&t, NULL);
        reap_zombies();
        n = our_children(left, 256);
    }
    if (bad)
        return 1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
