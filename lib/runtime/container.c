/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "oci/spec-seccomp.h"
#include "oci/spec.h"
#include "runtime/default-devices.h"
#include "runtime/hooks.h"
#include "runtime/clone.h"
#include "runtime/container-cgroup.h"
#include "runtime/launch.h"
#include "runtime/loopback.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp-cache.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "runtime/sysctl.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define CONFIG_MAX (4u << 20)

/* Everything create holds, released in one place whatever step failed. */
struct creation {
	const struct berth_create_opts *o;
	struct berth_spec *spec;
	struct berth_seccomp_prog *seccomp_prog;
	struct berth_cgroup_layout *cgroup_layout; /* read ahead for the init (rootfs.h) */
	struct berth_state st;
	struct berth_cgroup *cg;
	struct berth_cgroup_join join;
	bool self_joined; /* stage-1 joins the cgroup itself (clone3 or v1 only) */
	bool direct;	  /* no stage-1: the init was cloned into its namespaces */
	char *bundle;
	char *rootfs;
	char *config; /* the bundle's config.json as read, kept in the state directory */
	size_t config_len;
	int config_fd; /* that file, hardlinked there when it is ours (keep_config) */
	int dirfd;
	int sync[2];
	int fifo; /* the init's end: exec.fifo, or with o->start the pipe's read end */
	int go;	  /* with o->start: the pipe's write end, written once READY */
	pid_t stage1, init;
	bool done;
	bool caller_worked; /* o->child_works called */
};

/* Read the bundle's config.json through an fd kept for keep_config(). */
static int read_config(struct creation *c, struct berth_error **err)
{
	cleanup_close int bfd = -1;
	struct stat st;
	size_t n = 0;

	bfd = open(c->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return berth_error_errno(err, "bundle '%s'", c->bundle);
	c->config_fd = openat(bfd, "config.json", O_RDONLY | O_CLOEXEC);
	if (c->config_fd < 0 || fstat(c->config_fd, &st) < 0)
		return berth_error_errno(err, "open '%s/config.json'", c->bundle);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > CONFIG_MAX)
		return berth_error_set(err, EFBIG,
				       "'%s/config.json': not a regular file of at most %u bytes",
				       c->bundle, CONFIG_MAX);
	c->config = malloc((size_t)st.st_size + 1);
	if (c->config == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	while (n < (size_t)st.st_size) {
		ssize_t r = read(c->config_fd, c->config + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return berth_error_errno(err, "read '%s/config.json'", c->bundle);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	c->config[n] = '\0';
	c->config_len = n;
	/* Linked only when the runtime's and written by nobody else (keep_config). */
	if (!c->o->link_config || st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		close(c->config_fd);
		c->config_fd = -1;
	}
	return 0;
}

static int load_config(struct creation *c, struct berth_error **err)
{
	int ret;

	c->bundle = realpath(c->o->bundle, NULL);
	if (c->bundle == NULL)
		return berth_error_errno(err, "bundle '%s'", c->o->bundle);
	if (c->o->config_doc != NULL) { /* as written by our caller: kept as it is */
		c->config = strndup(c->o->config_text, c->o->config_len);
		if (c->config == NULL)
			return berth_error_set(err, ENOMEM, "out of memory");
		c->config_len = c->o->config_len;
		/* c->spec: already the caller's parse (o->config_spec), or parsed now */
		ret = c->spec != NULL ? 0 : berth_spec_parse_doc(c->o->config_doc, &c->spec, err);
	} else {
		if ((ret = read_config(c, err)) < 0)
			return ret;
		ret = berth_spec_parse(c->config, c->config_len, &c->spec, err);
	}
	if (ret < 0)
		return berth_error_prefix(err, "config.json");
	if (!c->spec->has_process)
		return berth_error_set(err, EINVAL, "config.json: process: required to create");
	if (c->spec->process.terminal && c->o->console_socket == NULL && c->o->console_fd == NULL)
		return berth_error_set(err, EINVAL,
				       "process.terminal is true: --console-socket "
				       "is required to hand out the terminal");
	{
		bool ns[BERTH_NS_COUNT];

		for (int i = 0; i < BERTH_NS_COUNT; i++)
			ns[i] = c->spec->ns[i].present;
		ret = berth_sysctl_validate(c->spec->sysctl, c->spec->n_sysctl, ns, err);
		if (ret < 0)
			return ret;
	}
	if (c->o->config_spec == NULL &&
	    (ret = berth_resources_allow_default_devices(c->spec, err)) < 0)
		return ret;
	if (c->spec->root_path[0] == '/')
		c->rootfs = realpath(c->spec->root_path, NULL);
	else {
		cleanup_free char *p = NULL;

		if (asprintf(&p, "%s/%s", c->bundle, c->spec->root_path) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		c->rootfs = realpath(p, NULL);
	}
	if (c->rootfs == NULL)
		return berth_error_errno(err, "root.path '%s'", c->spec->root_path);
	/* The id's claim, before anything else is made under its name. */
	c->dirfd = berth_state_dir_create(c->o->root, c->o->id, err);
	return c->dirfd < 0 ? c->dirfd : 0;
}

/*
 * Keep the exact config for exec and the poststop hooks of delete: with
 * o->link_config a hardlink to the file read when it is the runtime's and not
 * writable by others (its writer replaces it by rename, so the state keeps
 * what was read; no second file to write and later free), else a copy.
 */
static int keep_config(struct creation *c, struct berth_error **err)
{
	if (c->config_fd >= 0 &&
	    linkat(c->config_fd, "", c->dirfd, "config.json", AT_EMPTY_PATH) == 0)
		return 0;
	return berth_write_file_replace(c->dirfd, "config.json", c->config, c->config_len, 0600,
					err);
}

/* o->child_works, once, as soon as the init's pid is known. */
static int caller_works(struct creation *c, struct berth_error **err)
{
	if (c->o->child_works == NULL || c->caller_worked)
		return 0;
	c->caller_worked = true;
	return c->o->child_works(c->o->child_works_arg, c->init, err);
}

/*
 * What the parent does while the child builds its namespaces and rootfs.  Not
 * the cgroup limits: the v1 devices list is rewritten deny-all first, which
 * would fail the child's mknod of the default devices meanwhile.
 */
static int while_child_works(struct creation *c, struct berth_error **err)
{
	int ret = keep_config(c, err);

	if (ret == 0 && c->init > 0) /* cloned directly: else once stage-1 says its pid */
		ret = caller_works(c, err);
	return ret;
}

static int make_fifo(struct creation *c, struct berth_error **err)
{
	int p[2];

	/*
	 * run: nobody calls `start`, so no exec.fifo in the state directory (its
	 * absence means "running"); the init reads its byte from a pipe instead.
	 */
	if (c->o->start) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return berth_error_errno(err, "pipe");
		c->fifo = p[0];
		c->go = p[1];
		return 0;
	}
	if (mkfifoat(c->dirfd, "exec.fifo", 0600) < 0)
		return berth_error_errno(err, "mkfifo exec.fifo");
	/* O_RDWR: the init holds it without blocking; `start` opens it to write. */
	c->fifo = openat(c->dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
	if (c->fifo < 0)
		return berth_error_errno(err, "open exec.fifo");
	return 0;
}

static char *state_json_string(struct creation *c, enum berth_status status)
{
	json_object *o;
	char *s;

	c->st.pid = c->init;
	o = berth_state_to_json(&c->st, status);
	s = berth_json_dump(o);
	json_object_put(o);
	return s;
}

static int write_id_maps(pid_t pid, const char *file, const struct berth_id_map *m, size_t n,
			 struct berth_error **err)
{
	char path[64], buf[4096];
	size_t len = 0;
	int ret;

	for (size_t i = 0; i < n && len < sizeof(buf) - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	ret = berth_write_file_at(AT_FDCWD, path, buf, len);
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "linux.%s: write %s",
					 file[0] == 'u' ? "uidMappings" : "gidMappings", path);
	}
	return 0;
}

static bool new_netns(const struct berth_spec *s)
{
	return s->ns[BERTH_NS_NET].present && s->ns[BERTH_NS_NET].path == NULL;
}

/* In the new child: what it must not hold, and the bundle as its cwd. */
static void child_setup(struct creation *c)
{
	close(c->sync[0]);
	/* The init must not hold the write end: EOF is its "creation failed". */
	if (c->go >= 0)
		close(c->go);
	if (chdir(c->bundle) < 0)
		_exit(1);
}

/*
 * Clone the init directly when the spec allows (berth_launch_direct_flags);
 * any failure falls back to stage-1, which reports a real error precisely.
 */
static bool spawn_direct(struct creation *c, struct berth_launch *l)
{
	int flags = berth_launch_direct_flags(c->spec);
	pid_t pid;

	if (flags < 0)
		return false;
	l->direct = true;
	l->cg_join = &c->join;
	pid = berth_clone_into(flags, c->join.v2_dir);
	if (pid == 0) {
		child_setup(c);
		berth_launch_direct(l);
	}
	l->direct = false;
	l->cg_join = NULL;
	if (pid < 0)
		return false;
	c->init = pid;
	c->direct = c->self_joined = true;
	return true;
}

static int spawn(struct creation *c, struct berth_error **err)
{
	bool into = false;

	struct berth_launch l = {
		.spec = c->spec,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.fifo = c->fifo,
		.preserve_fds = c->o->preserve_fds,
		.no_pivot = c->o->no_pivot,
		.no_new_keyring = c->o->no_new_keyring,
		.id = c->o->id,
		.seccomp_prog = c->seccomp_prog,
		.cgroup_layout = c->cgroup_layout,
	};

	if (berth_sync_pair(c->sync, err) < 0)
		return -errno;
	l.sync = c->sync[1];
	if (!spawn_direct(c, &l)) {
		c->stage1 = berth_fork_into(c->join.v2_dir, &into);
		if (c->stage1 < 0)
			return berth_error_errno(err, "fork");
		/* v1 hierarchies are joined by stage-1 itself; v2 only at birth */
		c->self_joined = into || c->join.v2_dir < 0;
		if (c->self_joined)
			l.cg_join = &c->join;
		if (c->stage1 == 0) {
			child_setup(c);
			berth_launch_stage1(&l);
		}
	}
	close(c->sync[1]);
	c->sync[1] = -1;
	/* With o->start the read end stays open here until the byte is written: no SIGPIPE. */
	if (c->go < 0) {
		close(c->fifo);
		c->fifo = -1;
	}
	berth_cgroup_join_close(&c->join);
	return 0;
}

/*
 * The caller's cgroup made ahead (o->take_cgroup), when it has one: 1 once
 * taken.  A text that does not open (cut short) is as none: the cgroup is
 * made here, over whatever directories were made.
 */
static int take_cgroup(struct creation *c)
{
	struct berth_error *e = NULL;
	char *saved = NULL;

	if (c->o->take_cgroup == NULL || c->o->take_cgroup(c->o->take_cgroup_arg, &saved) <= 0)
		return 0;
	if (berth_cgroup_open(saved, &c->cg, &e) < 0) {
		berth_error_free(e);
		free(saved);
		return 0;
	}
	c->st.cgroup = saved;
	return 1;
}

static int place_in_cgroup(struct creation *c, struct berth_error **err)
{
	struct berth_cgroup_opts co;
	int ret;

	berth_container_cgroup_opts(c->spec, c->o->id, c->o->systemd_cgroup, &co);
	/*
	 * Before a caller's cgroup made ahead is waited for: the host's cgroup
	 * layout, for the init's "cgroup" mount, when its mount namespace will be
	 * a copy of ours (not one joined by path).
	 */
	if (c->spec->ns[BERTH_NS_MOUNT].path == NULL &&
	    (ret = berth_cgroup_layout_read(c->spec, &c->cgroup_layout, err)) < 0)
		return ret;
	/* Made before stage-1 exists: it joins by itself (cgroup.h, berth_cgroup_join). */
	ret = take_cgroup(c);
	if (ret == 0) {
		ret = berth_cgroup_create(&co, c->spec->resources, 0, &c->cg, err);
		if (ret == 0)
			c->st.cgroup = berth_cgroup_save(c->cg);
	}
	if (ret < 0)
		return ret;
	return berth_cgroup_join_open(c->cg, &c->join, err);
}

/* stage-1 could not join by itself (no clone3 for the v2 part): move it by pid. */
static int enter_cgroup(struct creation *c, struct berth_error **err)
{
	if (c->self_joined)
		return 0;
	return berth_cgroup_enter(c->cg, c->stage1, err);
}

/* The go-ahead (with @text: the state, for the init's hooks). */
static int send_go(struct creation *c, const char *text, struct berth_error **err)
{
	int ret = berth_sync_send(c->sync[0], BERTH_SYNC_GO, 0, -1, text);

	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "sync");
	}
	return 0;
}

static int release_stage1(struct creation *c, struct berth_error **err)
{
	return send_go(c, NULL, err);
}

/* The direct init has its user namespace from birth: no USERNS message to wait for. */
static int map_user_namespace(struct creation *c, struct berth_error **err)
{
	pid_t pid = c->direct ? c->init : c->stage1;
	struct berth_sync_msg m;
	int ret;

	if ((!c->direct && (ret = berth_sync_expect(c->sync[0], BERTH_SYNC_USERNS, &m, err)) < 0) ||
	    (ret = write_id_maps(pid, "uid_map", c->spec->uid_maps, c->spec->n_uid_maps, err)) <
		0 ||
	    (ret = write_id_maps(pid, "gid_map", c->spec->gid_maps, c->spec->n_gid_maps, err)) < 0)
		return ret;
	return send_go(c, NULL, err);
}

/* stage-1 has unshared its time namespace: no process is in it yet. */
static int set_time_offsets(struct creation *c, struct berth_error **err)
{
	struct berth_sync_msg m;
	int ret;

	if ((ret = berth_sync_expect(c->sync[0], BERTH_SYNC_TIMENS, &m, err)) < 0 ||
	    (ret = berth_launch_time_offsets(c->stage1, c->spec, err)) < 0)
		return ret;
	return send_go(c, NULL, err);
}

static int runtime_hooks(struct creation *c, struct berth_error **err)
{
	const struct berth_hooks *h = &c->spec->hooks;
	cleanup_free char *state = NULL;
	struct berth_sync_msg m;
	int ret;

	/* Without hooks to run, neither side asks: no round trip on the way to exec. */
	if (!berth_hooks_need_exchange(h))
		return 0;
	if ((ret = berth_sync_expect(c->sync[0], BERTH_SYNC_HOOKS, &m, err)) < 0)
		return ret;
	state = state_json_string(c, BERTH_STATUS_CREATING);
	if ((ret = berth_hooks_run_kind(&c->spec->hooks, BERTH_HOOK_PRESTART, state, err)) < 0 ||
	    (ret = berth_hooks_run_kind(&c->spec->hooks, BERTH_HOOK_CREATE_RUNTIME, state, err)) <
		0)
		return ret;
	return send_go(c, state, err);
}

static int hand_out_fds(struct creation *c, struct berth_error **err)
{
	struct berth_sync_msg m;
	int ret;

	if (c->spec->process.terminal) {
		if ((ret = berth_sync_expect(c->sync[0], BERTH_SYNC_PTY, &m, err)) < 0)
			return ret;
		if (c->o->console_socket == NULL) {
			*c->o->console_fd = m.fd;
			return 0;
		}
		ret = berth_terminal_send_master(c->o->console_socket, m.fd, err);
		close(m.fd);
		if (ret < 0)
			return ret;
	}
	if (c->spec->seccomp && berth_seccomp_has_notify(c->spec->seccomp)) {
		cleanup_free char *state = NULL;

		if ((ret = berth_sync_expect(c->sync[0], BERTH_SYNC_SECCOMP, &m, err)) < 0)
			return ret;
		state = state_json_string(c, BERTH_STATUS_CREATING);
		ret = berth_seccomp_send_listener(c->spec->seccomp, m.fd, state, err);
		close(m.fd);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void open_held_ns(pid_t pid, int fds[BERTH_HELD_NS])
{
	static const char *const ns[BERTH_HELD_NS] = { "mnt", "net", "ipc" };
	char path[64];

	for (size_t i = 0; i < BERTH_HELD_NS; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
}

/*
 * Once the init's pid is known, while it sets itself up: its start time (the
 * state's proof that a pid is still this init), read while the init cannot
 * have exited yet (it waits for its go), and the namespaces the caller holds.
 * Done here, not once it is READY, so its go follows READY at once; so is
 * the loopback of its new network namespace, while it mounts on the other CPU.
 */
static void note_init(struct creation *c, struct berth_error **lo_err)
{
	c->st.start_time = berth_proc_start_time(c->init);
	if (c->o->held_ns != NULL)
		open_held_ns(c->init, c->o->held_ns);
	/*
	 * Its new network namespace's lo (the init leaves it to us), before it
	 * may exec.  A failure is the caller's to report after what the init
	 * says: an init that failed a step of its own and exited explains it.
	 */
	if (new_netns(c->spec))
		berth_loopback_up_in(c->init, lo_err);
}

/*
 * o->start: let the init exec once READY (every create step succeeded), as
 * `start` would; the state then records it running (no exec.fifo).
 */
static int release_init(struct creation *c, struct berth_error **err)
{
	ssize_t n;

	do
		n = write(c->go, "0", 1);
	while (n < 0 && errno == EINTR);
	close(c->go);
	c->go = -1;
	close(c->fifo);
	c->fifo = -1;
	if (n != 1)
		return berth_error_errno(err, "container \"%s\": signal the init to start",
					 c->o->id);
	return 0;
}

static int follow_init(struct creation *c, struct berth_error **err)
{
	struct berth_error *lo_err = NULL;
	struct berth_sync_msg m;
	int ret, status;

	if (!c->direct) {
		ret = berth_sync_expect(c->sync[0], BERTH_SYNC_PID, &m, err);
		waitpid(c->stage1, &status, 0);
		c->stage1 = -1;
		if (ret < 0)
			return ret;
		c->init = m.value;
		if ((ret = release_stage1(c, err)) < 0 || (ret = caller_works(c, err)) < 0)
			return ret;
	}
	note_init(c, &lo_err);
	if ((ret = runtime_hooks(c, err)) < 0 || (ret = hand_out_fds(c, err)) < 0)
		goto out;
	/*
	 * o->start: every step of ours that decides whether it may run is done
	 * (the state written after READY came after the go before too), so the
	 * go is written now, while the init still sets up: it finds its byte once
	 * READY, no wake-up and no wait for us on the way to exec.
	 */
	if (c->o->start && lo_err == NULL && (ret = release_init(c, err)) < 0)
		goto out;
	ret = berth_sync_expect(c->sync[0], BERTH_SYNC_READY, &m, err);
	if (ret == 0 && lo_err != NULL) {
		ret = -lo_err->code;
		*err = steal_ptr(&lo_err);
	}
out:
	berth_error_free(lo_err);
	return ret;
}

static int record(struct creation *c, struct berth_error **err)
{
	char buf[32];
	int ret;

	c->st.pid = c->init;
	if ((ret = berth_state_save(c->dirfd, &c->st, err)) < 0)
		return ret;
	if (c->o->pid_file == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%d", (int)c->init);
	return berth_write_file_replace(AT_FDCWD, c->o->pid_file, buf, strlen(buf), 0644, err);
}

/* o->start: the poststart hooks, whose failures are warnings (the container runs on). */
static void poststart(struct creation *c)
{
	struct berth_error *dropped = NULL;
	cleanup_free char *state = NULL;

	if (c->spec->hooks.n[BERTH_HOOK_POSTSTART] == 0)
		return;
	state = state_json_string(c, BERTH_STATUS_RUNNING);
	berth_hooks_run_kind_warn(&c->spec->hooks, BERTH_HOOK_POSTSTART, state,
				  c->o->start_warn ? c->o->start_warn : &dropped);
	berth_error_free(dropped);
}

static void undo(struct creation *c)
{
	struct berth_error *e = NULL;

	if (c->stage1 > 0) {
		kill(c->stage1, SIGKILL);
		waitpid(c->stage1, NULL, 0);
	}
	if (c->init > 0) {
		kill(c->init, SIGKILL);
		waitpid(c->init, NULL, 0);
	}
	for (size_t i = 0; c->o->held_ns != NULL && i < BERTH_HELD_NS; i++)
		if (c->o->held_ns[i] >= 0) {
			close(c->o->held_ns[i]);
			c->o->held_ns[i] = -1;
		}
	if (c->cg != NULL) {
		berth_cgroup_kill(c->cg, SIGKILL, &e);
		berth_error_clear(&e);
		berth_cgroup_destroy(c->cg, &e);
		berth_error_clear(&e);
	}
	if (c->dirfd >= 0) {
		berth_state_remove(c->o->root, c->o->id, &e);
		berth_error_clear(&e);
	}
}

static void release(struct creation *c)
{
	if (!c->done)
		undo(c);
	berth_cgroup_join_close(&c->join);
	berth_cgroup_free(c->cg);
	berth_seccomp_prog_free(c->seccomp_prog);
	berth_cgroup_layout_free(c->cgroup_layout);
	berth_spec_free(c->spec);
	if (c->dirfd >= 0)
		close(c->dirfd);
	for (int i = 0; i < 2; i++)
		if (c->sync[i] >= 0)
			close(c->sync[i]);
	if (c->fifo >= 0)
		close(c->fifo);
	if (c->go >= 0)
		close(c->go);
	free(c->bundle);
	free(c->rootfs);
	free(c->config);
	if (c->config_fd >= 0)
		close(c->config_fd);
	free(c->st.created);
	free(c->st.cgroup);
}

int berth_container_create(const struct berth_create_opts *o, pid_t *pid, struct berth_error **err)
{
	struct creation c = {
		.o = o,
		.dirfd = -1,
		.config_fd = -1,
		.sync = { -1, -1 },
		.fifo = -1,
		.go = -1,
		.stage1 = -1,
		.init = -1,
		.join = { .v2_dir = -1 },
		.spec = o->config_spec, /* ours from here: freed by release() */
	};
	int ret;

	for (size_t i = 0; o->held_ns != NULL && i < BERTH_HELD_NS; i++)
		o->held_ns[i] = -1;
	if ((ret = berth_state_check_id(o->id, err)) < 0) {
		berth_spec_free(c.spec);
		return ret;
	}
	ret = load_config(&c, err);
	if (ret == 0) {
		c.st = (struct berth_state){
			.id = (char *)o->id,
			.bundle = c.bundle,
			.rootfs = c.rootfs,
			.created = berth_now_rfc3339(),
			.owner = geteuid(),
			.annotations = c.spec->annotations,
			.poststop = (int)c.spec->hooks.n[BERTH_HOOK_POSTSTOP],
		};
		ret = make_fifo(&c, err);
	}
	/* Compiled (or found in the cache) once, here, rather than in the init. */
	if (ret == 0)
		ret = berth_seccomp_prog_get(c.spec->seccomp, o->root, &c.seccomp_prog, err);
	if (ret == 0)
		ret = place_in_cgroup(&c, err);
	if (ret == 0)
		ret = spawn(&c, err);
	if (ret == 0)
		ret = enter_cgroup(&c, err);
	if (ret == 0 && c.spec->ns[BERTH_NS_USER].present && !c.spec->ns[BERTH_NS_USER].path)
		ret = map_user_namespace(&c, err);
	if (ret == 0 && c.spec->ns[BERTH_NS_TIME].present && !c.spec->ns[BERTH_NS_TIME].path &&
	    !c.direct)
		ret = set_time_offsets(&c, err);
	if (ret == 0 && !c.direct)
		ret = release_stage1(&c, err);
	if (ret == 0)
		ret = while_child_works(&c, err);
	if (ret == 0)
		ret = follow_init(&c, err);
	if (ret == 0)
		ret = record(&c, err);
	if (ret == 0) {
		c.done = true;
		*pid = c.init;
		if (o->start)
			poststart(&c);
	}
	release(&c);
	return ret;
}
