/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * Where the container's cgroup lives: which hierarchies are mounted under
 * the cgroup root (from /proc/self/mountinfo), what the caller's own cgroup is
 * in each (from /proc/self/cgroup, for relative cgroupsPath), and making and
 * removing the directories.
 */

static const char *const v1_controllers[] = {
	"cpuset",  "cpu",	 "cpuacct",  "blkio",	"memory", "devices", "freezer",
	"net_cls", "perf_event", "net_prio", "hugetlb", "pids",	  "rdma",    "misc",
};

static bool is_v1_controller(const char *s, size_t len)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(v1_controllers); i++)
		if (strlen(v1_controllers[i]) == len && strncmp(v1_controllers[i], s, len) == 0)
			return true;
	return false;
}

/* "rw,relatime,cpu,cpuacct" -> "cpu,cpuacct" (only controllers), or NULL. */
static char *controllers_of(const char *opts)
{
	cleanup_free char *out = calloc(1, strlen(opts) + 1);
	const char *p = opts;
	char *w;

	if (out == NULL)
		return NULL;
	w = out;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (is_v1_controller(p, len)) {
			if (w != out)
				*w++ = ',';
			memcpy(w, p, len);
			w += len;
		}
		p += len + (p[len] == ',');
	}
	*w = '\0';
	return *out ? steal_ptr(&out) : NULL;
}

/* Split off the next space-separated field of @*p (NUL-terminating it), or NULL. */
static char *field(char **p)
{
	char *s = *p + strspn(*p, " \n");
	size_t len = strcspn(s, " \n");

	if (len == 0)
		return NULL;
	*p = s + len + (s[len] != '\0');
	s[len] = '\0';
	return s;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool have_ctrls(struct berth_cgroup *cg, const char *ctrls)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (strcmp(cg->v1[i].ctrls, ctrls) == 0)
			return true;
	return false;
}

static int add_v1(struct berth_cgroup *cg, const char *mnt, char *ctrls, struct berth_error **err)
{
	struct berth_cg_dir *nv;

	if (have_ctrls(cg, ctrls)) {
		free(ctrls);
		return 0;
	}
	nv = realloc(cg->v1, (cg->n_v1 + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(ctrls);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	cg->v1 = nv;
	nv[cg->n_v1] = (struct berth_cg_dir){ .ctrls = ctrls, .mount = strdup(mnt), .fd = -1 };
	if (nv[cg->n_v1++].mount == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* One mountinfo line: "id parent maj:min root mnt opts [tags] - fstype src superopts". */
static int scan_mount(struct berth_cgroup *cg, char *line, size_t rootlen, struct berth_error **err)
{
	char *sep = strstr(line, " - ");
	char *p = line, *mnt = NULL, *fstype, *super, *ctrls;

	if (sep == NULL)
		return 0;
	*sep = '\0';
	for (int i = 0; i < 5; i++)
		mnt = field(&p);
	p = sep + 3;
	fstype = field(&p);
	if (field(&p) == NULL)
		return 0;
	super = field(&p);
	if (mnt == NULL || fstype == NULL || super == NULL || strcmp(fstype, "cgroup") != 0)
		return 0;
	unescape(mnt);
	if (strncmp(mnt, cg->fs_root, rootlen) != 0 || mnt[rootlen] != '/')
		return 0;
	ctrls = controllers_of(super);
	return ctrls ? add_v1(cg, mnt, ctrls, err) : 0;
}

static int discover_v1(struct berth_cgroup *cg, struct berth_error **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	if (f == NULL)
		return berth_error_errno(err, "open '/proc/self/mountinfo'");
	while (getline(&line, &cap, f) > 0)
		if (scan_mount(cg, line, strlen(cg->fs_root), err) < 0)
			return berth_error_ret(err);
	if (cg->n_v1 == 0 && cg->mode == BERTH_CGROUP_V1)
		return berth_error_set(err, ENOENT, "no cgroup v1 hierarchy mounted under '%s'",
				       cg->fs_root);
	return 0;
}

bool berth_cg_list_has(const char *list, char sep, const char *name, size_t len)
{
	const char set[2] = { sep, '\0' };

	for (const char *t = list; *t; t += strcspn(t, set) + (t[strcspn(t, set)] == sep))
		if (strcspn(t, set) == len && strncmp(t, name, len) == 0)
			return true;
	return false;
}

/*
 * The caller's cgroup in the hierarchy with @ctrls ("" for v2) in @self (the
 * text of /proc/self/cgroup, or NULL when unreadable); "/" when not listed.
 */
static char *own_cgroup(const char *self, const char *ctrls)
{
	cleanup_free char *copy = strdup(self ? self : "");
	char *rest = copy, *line;

	if (copy == NULL)
		return NULL;
	while ((line = strsep(&rest, "\n")) != NULL) {
		char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;
		bool match;

		if (p == NULL)
			continue;
		*c++ = '\0';
		*p++ = '\0';
		if (*ctrls == '\0')
			match = strcmp(line, "0") == 0 && *c == '\0';
		else
			match = berth_cg_list_has(c, ',', ctrls, strcspn(ctrls, ","));
		if (match)
			return strdup(p);
	}
	return strdup("/");
}

/* Append the components of @in to @out (which has room), refusing ".."; "." is dropped. */
static int normalise(const char *in, char *out, struct berth_error **err)
{
	char *w = out + strlen(out);

	while (*in) {
		size_t len = strcspn(in, "/");

		if (len == 2 && strncmp(in, "..", 2) == 0)
			return berth_error_set(err, EINVAL,
					       "linux.cgroupsPath: '..' is not allowed");
		if (len > 0 && !(len == 1 && *in == '.')) {
			if (w == out || w[-1] != '/')
				*w++ = '/';
			memcpy(w, in, len);
			w += len;
			*w = '\0';
		}
		in += len + (in[len] == '/');
	}
	return 0;
}

int berth_cg_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
			  struct berth_error **err)
{
	cleanup_free char *buf = NULL;
	cleanup_free char *dflt = NULL;
	const char *p = cgroups_path;

	if (p == NULL || *p == '\0') {
		if (id == NULL || *id == '\0' || strchr(id, '/') || strcmp(id, "..") == 0 ||
		    strcmp(id, ".") == 0)
			return berth_error_set(
			    err, EINVAL, "container id '%s' cannot name a cgroup", id ? id : "");
		if (asprintf(&dflt, "/berth/%s", id) < 0)
			return berth_error_set(err, ENOMEM, "out of memory");
		p = dflt;
	}
	buf = calloc(1, strlen(p) + strlen(own) + 3);
	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if ((*p != '/' && normalise(own, buf, err) < 0) || normalise(p, buf, err) < 0)
		return berth_error_ret(err);
	if (*buf == '\0')
		return berth_error_set(err, EINVAL,
				       "linux.cgroupsPath: '%s' names the root cgroup, which a "
				       "container cannot own",
				       p);
	*out = steal_ptr(&buf);
	return 0;
}

/* @self: the caller's /proc/self/cgroup text (NULL: unreadable, or not needed). */
static int set_dir(struct berth_cg_dir *d, const char *cgroups_path, const char *id,
		   const char *self, struct berth_error **err)
{
	cleanup_free char *own = own_cgroup(self, d->ctrls);

	if (own == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (berth_cg_resolve_path(cgroups_path, id, own, &d->path, err) < 0)
		return berth_error_ret(err);
	if (asprintf(&d->full, "%s%s", d->mount, d->path) < 0) {
		d->full = NULL;
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * /proc/self/cgroup, read once for every hierarchy, and only when a relative
 * cgroupsPath needs the caller's own cgroups (NULL otherwise or unreadable:
 * every hierarchy then counts as "/").
 */
static char *read_self(const char *cgroups_path)
{
	struct berth_error *ignored = NULL;
	char *text = NULL;

	if (cgroups_path == NULL || *cgroups_path == '\0' || *cgroups_path == '/')
		return NULL;
	if (berth_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &text, NULL, &ignored) < 0)
		berth_error_free(ignored);
	return text;
}

static int discover_v2(struct berth_cgroup *cg, const char *cgroups_path, const char *id,
		       const char *self, struct berth_error **err)
{
	cg->v2 = calloc(1, sizeof(*cg->v2));
	if (cg->v2 == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	cg->v2->fd = -1;
	cg->v2->ctrls = strdup("");
	if (cg->mode == BERTH_CGROUP_V2)
		cg->v2->mount = strdup(cg->fs_root);
	else if (asprintf(&cg->v2->mount, "%s/unified", cg->fs_root) < 0)
		cg->v2->mount = NULL;
	if (cg->v2->ctrls == NULL || cg->v2->mount == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return set_dir(cg->v2, cgroups_path, id, self, err);
}

int berth_cg_discover(struct berth_cgroup *cg, const char *cgroups_path, const char *id,
		      struct berth_error **err)
{
	cleanup_free char *self = NULL;

	if (cg->mode != BERTH_CGROUP_V2 && discover_v1(cg, err) < 0)
		return berth_error_ret(err);
	self = read_self(cgroups_path);
	for (size_t i = 0; i < cg->n_v1; i++)
		if (set_dir(&cg->v1[i], cgroups_path, id, self, err) < 0)
			return berth_error_ret(err);
	if (cg->mode == BERTH_CGROUP_V1)
		return 0;
	return discover_v2(cg, cgroups_path, id, self, err);
}

struct berth_cg_dir *berth_cg_find_v1(struct berth_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n_v1; i++)
		if (berth_cg_list_has(cg->v1[i].ctrls, ',', controller, strlen(controller)))
			return &cg->v1[i];
	return NULL;
}

int berth_cgroup_mode(const char *fs_root)
{
	cleanup_free char *p = NULL;
	const char *root = fs_root ? fs_root : "/sys/fs/cgroup";

	if (asprintf(&p, "%s/cgroup.controllers", root) < 0)
		return -ENOMEM;
	if (access(p, F_OK) == 0)
		return BERTH_CGROUP_V2;
	free(p);
	if (asprintf(&p, "%s/unified/cgroup.controllers", root) < 0) {
		p = NULL;
		return -ENOMEM;
	}
	if (access(p, F_OK) == 0)
		return BERTH_CGROUP_HYBRID;
	if (access(root, F_OK) < 0)
		return -errno;
	return BERTH_CGROUP_V1;
}
