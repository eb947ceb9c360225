/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user namespace fd with given maps, for idmapped mounts: a child is
 * cloned into a new user namespace, the maps written from here, its ns/user
 * opened, and the child killed.
 *
 * The child is not waited for there: its exit (it must first be scheduled
 * to die) cost 0.2 to 1 ms on the path of every create.  It shares our
 * memory (CLONE_VM), so its stack stays allocated until it is reaped, never
 * blocking, by the next call here or berth_userns_reap; one reaped by
 * someone else (a monitor reaps every child it has) is found gone (ECHILD).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/userns.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define HOLD_STACK (16 * 1024)
#define HOLDERS_MAX 8

struct holder {
	pid_t pid;
	void *block; /* struct hold_block */
};

/* What the child uses of our memory: its stack and the pipe's fds. */
struct hold_block {
	int pipefd[2];
	char stack[HOLD_STACK];
};

static pthread_mutex_t holders_lock = PTHREAD_MUTEX_INITIALIZER;
static struct holder holders[HOLDERS_MAX];
static size_t n_holders;

/* Under holders_lock; @block: wait for them (the table is full). */
static void reap_locked(bool block)
{
	size_t kept = 0;

	for (size_t i = 0; i < n_holders; i++) {
		pid_t r;

		while ((r = waitpid(holders[i].pid, NULL, block ? 0 : WNOHANG)) < 0 &&
		       errno == EINTR)
			;
		if (r == 0) {
			holders[kept++] = holders[i];
			continue;
		}
		free(holders[i].block); /* reaped, here or elsewhere (ECHILD) */
	}
	n_holders = kept;
}

void berth_userns_reap(void)
{
	pthread_mutex_lock(&holders_lock);
	reap_locked(false);
	pthread_mutex_unlock(&holders_lock);
}

/* The child, killed, is left to reap_locked with its stack. */
static void hand_over(pid_t pid, struct hold_block *b)
{
	pthread_mutex_lock(&holders_lock);
	reap_locked(false);
	if (n_holders == HOLDERS_MAX)
		reap_locked(true);
	holders[n_holders++] = (struct holder){ .pid = pid, .block = b };
	pthread_mutex_unlock(&holders_lock);
}

static int write_map(pid_t pid, const char *file, const struct berth_idmap *m,
		     struct berth_error **err)
{
	char path[64], buf[64];
	int len, ret;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	len = snprintf(buf, sizeof(buf), "%u %u %u\n", m->container, m->host, m->size);
	ret = berth_write_file_at(AT_FDCWD, path, buf, (size_t)len);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "write '%s' (%s)", path, buf);
	}
	return 0;
}

/*
 * The child only holds the namespace open until the parent has written the
 * maps and opened it, and leaves when the pipe's write end closes (the
 * parent is done or died) or at the parent's SIGKILL.  It shares the
 * parent's memory (CLONE_VM): no page tables to copy, as fork would.
 */
static int userns_hold(void *arg)
{
	const int *p = arg;
	char c;

	close(p[1]);
	while (read(p[0], &c, 1) < 0)
		;
	return 0;
}

int berth_userns_fd(const struct berth_userns *u, struct berth_error **err)
{
	struct hold_block *b;
	char path[64];
	int fd = -1, ret = 0;
	pid_t pid;

	if (!u->enabled)
		return berth_error_set(err, EINVAL, "no user namespace to open");
	b = malloc(sizeof(*b));
	if (b == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (pipe2(b->pipefd, O_CLOEXEC) < 0) {
		free(b);
		return berth_error_errno(err, "pipe");
	}
	pid = clone(userns_hold, b->stack + HOLD_STACK, CLONE_VM | CLONE_NEWUSER | SIGCHLD,
		    b->pipefd);
	close(b->pipefd[0]);
	if (pid < 0) {
		close(b->pipefd[1]);
		free(b);
		return berth_error_errno(err, "clone a user namespace");
	}
	ret = write_map(pid, "uid_map", &u->uid, err);
	if (ret == 0)
		ret = write_map(pid, "gid_map", &u->gid, err);
	if (ret == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			ret = berth_error_errno(err, "open '%s'", path);
	}
	close(b->pipefd[1]);
	kill(pid, SIGKILL);
	hand_over(pid, b);
	return ret < 0 ? ret : fd;
}
