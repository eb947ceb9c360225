/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-cgroup.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

struct berth_resources *tcg_res(const char *json)
{
	struct berth_error *err = NULL;
	struct berth_resources *r = NULL;
	json_object *o = NULL;

	CHECK_OK(berth_json_parse(json, strlen(json), &o, &err), &err);
	CHECK_OK(berth_resources_parse(o, "linux.resources", &r, &err), &err);
	json_object_put(o);
	return r;
}

static char parent[64];

/* Kill and thaw whatever is left below @dir, then remove the sub-cgroups depth first. */
static void purge(const char *dir)
{
	char path[512], buf[4096];
	DIR *d;
	struct dirent *e;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		for (char *p = buf; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != '\0'))
			if ((pid_t)strtol(p, NULL, 10) != getpid())
				kill((pid_t)strtol(p, NULL, 10), SIGKILL);
	}
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	berth_write_file_at(AT_FDCWD, path, "THAWED", 6);
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	berth_write_file_at(AT_FDCWD, path, "0", 1);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			purge(path);
		}
	closedir(d);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}

void tcg_cleanup(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	char path[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s", e->d_name, parent);
		purge(path);
	}
	if (d != NULL)
		closedir(d);
}

/* The runner's timeout: clean up, then die of the alarm as the runner expects. */
static void on_alarm(int sig)
{
	tcg_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *tcg_path(const char *leaf)
{
	static char path[128];

	if (parent[0] == '\0') {
		snprintf(parent, sizeof(parent), "/berth-test-%d", (int)getpid());
		atexit(tcg_cleanup);
		signal(SIGALRM, on_alarm);
	}
	snprintf(path, sizeof(path), "%s/%s", parent, leaf);
	return path;
}

const char *tcg_read(const char *dir, const char *file)
{
	static char buf[4096];
	char path[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL("open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		FAIL("read %s: %s", path, strerror(errno));
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

struct tcg_child tcg_spawn(int (*fn)(void *), void *arg)
{
	struct tcg_child c;
	int p[2];
	char x;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	c.pid = fork();
	CHECK(c.pid >= 0);
	if (c.pid == 0) {
		close(p[1]);
		if (read(p[0], &x, 1) != 1)
			_exit(120);
		_exit(fn(arg));
	}
	close(p[0]);
	c.go = p[1];
	return c;
}

void tcg_go(struct tcg_child *c)
{
	CHECK(write(c->go, "x", 1) == 1);
	close(c->go);
	c->go = -1;
}

int tcg_wait(pid_t pid)
{
	int status = 0;

	CHECK(waitpid(pid, &status, 0) == pid);
	return status;
}

void tcg_need_hybrid(void)
{
	if (getuid() != 0)
		SKIP("needs root");
	if (berth_cgroup_mode(NULL) != BERTH_CGROUP_HYBRID)
		SKIP("written for the hybrid cgroup layout of the build machine");
}
