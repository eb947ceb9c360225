/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-init: the minimal init `berth run --init` puts at PID 1.
 *
 *   berth-init [--] COMMAND [ARG...]
 *
 * Runs COMMAND as its child in a process group of its own (the terminal's
 * foreground group when stdin is a terminal), forwards the signals it gets to
 * that group, reaps every zombie re-parented to it, and exits with the
 * command's status (128 + N when the command was killed by signal N).
 *
 * Why: PID 1 of a namespace gets no default signal actions (a SIGTERM that
 * the command does not handle is ignored), and orphans are re-parented to it,
 * so a command that is not written to be an init leaks zombies.
 *
 * Static, libc only, one loop on sigwaitinfo(): no signal handlers, so no
 * async-signal-safety traps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Faults are delivered to the thread that caused them: never wait for them. */
static const int sync_signals[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS };

static void child(char **argv, const sigset_t *old)
{
	setpgid(0, 0);
	if (isatty(STDIN_FILENO)) {
		/* Taking the terminal from the background would stop us with SIGTTOU. */
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(STDIN_FILENO, getpgrp());
		signal(SIGTTOU, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "berth-init: exec '%s': %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* Reap every child that is done; 1 when @main was among them (its status in *code). */
static int reap(pid_t main_pid, int *code)
{
	int status, done = 0;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p == main_pid) {
			*code = status_code(status);
			done = 1;
		}
	}
	return done;
}

static void forward(pid_t main_pid, int sig)
{
	/* The group first; the command may have left it (setsid), then only the command. */
	if (kill(-main_pid, sig) < 0)
		kill(main_pid, sig);
}

int main(int argc, char **argv)
{
	sigset_t all, old;
	siginfo_t si;
	int code = 0;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: berth-init [--] COMMAND [ARG...]\n");
		return 2;
	}
	sigfillset(&all);
	for (size_t i = 0; i < sizeof(sync_signals) / sizeof(sync_signals[0]); i++)
		sigdelset(&all, sync_signals[i]);
	sigprocmask(SIG_BLOCK, &all, &old);
	/* Not PID 1 (a test, or --pid=host): still be the reaper of our descendants. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "berth-init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		child(argv + 1, &old);
	setpgid(pid, pid); /* also here, so a signal sent at once finds the group */
	for (;;) {
		if (sigwaitinfo(&all, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			forward(pid, si.si_signo);
			continue;
		}
		if (reap(pid, &code))
			break;
	}
	/* The command is gone; collect what it left behind before leaving. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return code;
}
